"""The VM sizes Azure ML offers, checked offline: exact spelling, with did-you-mean suggestions.

Sources (read 2026-12-01 through the public documentation repositories):

- Compute clusters and compute instances: "Supported VM series and sizes" in *What are compute
  targets in Azure Machine Learning?* (MicrosoftDocs/azure-ai-docs,
  ``articles/machine-learning/concept-compute-target.md``, commit 0eea71ca, page date
  2024-01-23). The page lists VM *series*; each series is expanded below into the sizes Azure's
  VM size pages give for it (the Dv2/DSv2 rows include their memory-optimized sizes 11-15, which
  Azure ML offers, e.g. Standard_DS11_v2, studio's default instance size). FX is for clusters
  only, as the page says.
- Managed online deployments: *Managed online endpoints SKU list* (same repository,
  ``articles/machine-learning/reference-managed-online-endpoints-vm-sku-list.md``, commit
  1d987e37, page date 2023-10-18), kept verbatim in the page's upper-case spelling and turned
  into Azure's canonical spelling by `canonical`.

Azure itself accepts a size in any letter case (the SKU page lists ``STANDARD_DS3_V2`` and says
those names work in requests). amlstack still asks for the canonical spelling
(``Standard_DS3_v2``): Pulumi compares inputs as strings, so a case-only edit of a size would show
as a change of a property Azure cannot change in place. A wrong-case size is refused with the
canonical spelling as the suggestion. A size newer than these tables is allowed with
``vmSizeCheck: false`` on that compute or deployment (the format check still applies).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = [
    "CLUSTER_VM_SIZES",
    "INSTANCE_VM_SIZES",
    "ONLINE_DEPLOYMENT_SKUS",
    "canonical",
    "closest",
    "vm_size_problem",
]

_SERIES_SIZES: dict[str, tuple[str, ...]] = {
    "DDSv4": ("D2ds_v4", "D4ds_v4", "D8ds_v4", "D16ds_v4", "D32ds_v4", "D48ds_v4", "D64ds_v4"),
    "Dv2": (
        *("D1_v2", "D2_v2", "D3_v2", "D4_v2", "D5_v2"),
        *("D11_v2", "D12_v2", "D13_v2", "D14_v2", "D15_v2"),
    ),
    "Dv3": ("D2_v3", "D4_v3", "D8_v3", "D16_v3", "D32_v3", "D48_v3", "D64_v3"),
    "DSv2": (
        *("DS1_v2", "DS2_v2", "DS3_v2", "DS4_v2", "DS5_v2"),
        *("DS11_v2", "DS12_v2", "DS13_v2", "DS14_v2", "DS15_v2"),
    ),
    "DSv3": ("D2s_v3", "D4s_v3", "D8s_v3", "D16s_v3", "D32s_v3", "D48s_v3", "D64s_v3"),
    "EAv4": (
        *("E2a_v4", "E4a_v4", "E8a_v4", "E16a_v4", "E20a_v4"),
        *("E32a_v4", "E48a_v4", "E64a_v4", "E96a_v4"),
    ),
    "Ev3": ("E2_v3", "E4_v3", "E8_v3", "E16_v3", "E20_v3", "E32_v3", "E48_v3", "E64_v3"),
    "ESv3": ("E2s_v3", "E4s_v3", "E8s_v3", "E16s_v3", "E20s_v3", "E32s_v3", "E48s_v3", "E64s_v3"),
    "FSv2": ("F2s_v2", "F4s_v2", "F8s_v2", "F16s_v2", "F32s_v2", "F48s_v2", "F64s_v2", "F72s_v2"),
    "H": ("H8", "H16", "H8m", "H16m", "H16r", "H16mr"),
    "HB": ("HB60rs",),
    "HBv2": ("HB120rs_v2",),
    "HBv3": (
        *("HB120rs_v3", "HB120-96rs_v3", "HB120-64rs_v3"),
        *("HB120-32rs_v3", "HB120-16rs_v3"),
    ),
    "HC": ("HC44rs",),
    "LSv2": ("L8s_v2", "L16s_v2", "L32s_v2", "L48s_v2", "L64s_v2", "L80s_v2"),
    "M": (
        *("M8ms", "M16ms", "M32ts", "M32ls", "M32ms", "M64s", "M64ls"),
        *("M64ms", "M128s", "M128ms", "M64", "M64m", "M128", "M128m"),
    ),
    "NC": ("NC6", "NC12", "NC24", "NC24r"),
    "NC Promo": ("NC6_Promo", "NC12_Promo", "NC24_Promo", "NC24r_Promo"),
    "NCv2": ("NC6s_v2", "NC12s_v2", "NC24s_v2", "NC24rs_v2"),
    "NCv3": ("NC6s_v3", "NC12s_v3", "NC24s_v3", "NC24rs_v3"),
    "ND": ("ND6s", "ND12s", "ND24s", "ND24rs"),
    "NDv2": ("ND40rs_v2",),
    "NV": ("NV6", "NV12", "NV24"),
    "NVv3": ("NV12s_v3", "NV24s_v3", "NV48s_v3"),
    "NCasT4_v3": ("NC4as_T4_v3", "NC8as_T4_v3", "NC16as_T4_v3", "NC64as_T4_v3"),
    "NDasrA100_v4": ("ND96asr_v4",),
}
_CLUSTER_ONLY_SERIES: dict[str, tuple[str, ...]] = {
    "FX": ("FX4mds", "FX12mds", "FX24mds", "FX36mds", "FX48mds"),
}

# "VM Size Name" column of the Managed online endpoints SKU list, as the page spells it.
_ONLINE_SKU_PAGE = (
    *(f"STANDARD_D{n}AS_V4" for n in (2, 4, 8, 16, 32, 48, 64, 96)),
    *(f"STANDARD_D{n}A_V4" for n in (2, 4, 8, 16, 32, 48, 64, 96)),
    *(f"STANDARD_DS{n}_V2" for n in (1, 2, 3, 4, 5)),
    *(f"STANDARD_E{n}S_V3" for n in (2, 4, 8, 16, 32, 48, 64)),
    *(f"STANDARD_F{n}S_V2" for n in (2, 4, 8, 16, 32, 48, 64, 72)),
    *(f"STANDARD_FX{n}MDS" for n in (4, 12, 24, 36, 48)),
    *(f"STANDARD_L{n}AS_V3" for n in (8, 16, 32, 48, 64, 80)),
    *(f"STANDARD_L{n}S_V2" for n in (8, 16, 32, 48, 64, 80)),
    *(f"STANDARD_L{n}S_V3" for n in (8, 16, 32, 48, 64, 80)),
    *(f"STANDARD_NC{n}ADS_A100_V4" for n in (24, 48, 96)),
    *(f"STANDARD_NC{n}AS_T4_V3" for n in (4, 8, 16, 64)),
    *(f"STANDARD_NC{n}S_V2" for n in (6, 12, 24)),
    *(f"STANDARD_NC{n}S_V3" for n in (6, 12, 24)),
    "STANDARD_NC40ADS_H100_V5",
    "STANDARD_NC80ADIS_H100_V5",
    "STANDARD_ND96AMSR_A100_V4",
    "STANDARD_ND96ASR_V4",
    "STANDARD_ND40RS_V2",
    "STANDARD_ND96IS_H100_V5",
    "STANDARD_ND96ISR_H100_V5",
    *(f"STANDARD_NV{n}ADS_A10_V5" for n in (6, 12, 18, 36, 72)),
    "STANDARD_NV36ADMS_A10_V5",
)

_SERIES_TOKEN = re.compile(r"([A-Za-z]+)(\d[\w-]*)")
_VERSION = re.compile(r"[vV]\d+")


def canonical(size: str) -> str:
    """Azure's canonical spelling of a VM size written in any case.

    ``STANDARD_NC24ADS_A100_V4`` -> ``Standard_NC24ads_A100_v4``: the tier is capitalized, the
    series letters stay upper case and the feature letters after the core count lower case,
    accelerator parts (``A100``, ``T4``) stay upper case, versions are ``v<n>``, ``Promo`` is
    capitalized.
    """
    tier, series, *rest = size.split("_")
    match = _SERIES_TOKEN.fullmatch(series)
    head = f"{match[1].upper()}{match[2].lower()}" if match else series.upper()
    tail = [
        part.lower()
        if _VERSION.fullmatch(part)
        else "Promo"
        if part.casefold() == "promo"
        else part.upper()
        for part in rest
    ]
    return "_".join([tier.capitalize(), head, *tail])


def _standard(sizes: Iterable[str]) -> frozenset[str]:
    return frozenset(f"Standard_{size}" for size in sizes)


INSTANCE_VM_SIZES = _standard(size for sizes in _SERIES_SIZES.values() for size in sizes)
"""Sizes of compute instances (the supported series, FX excluded)."""
CLUSTER_VM_SIZES = INSTANCE_VM_SIZES | _standard(
    size for sizes in _CLUSTER_ONLY_SERIES.values() for size in sizes
)
"""Sizes of compute clusters (the supported series, FX included)."""
ONLINE_DEPLOYMENT_SKUS = frozenset(canonical(size) for size in _ONLINE_SKU_PAGE)
"""Instance types of managed online deployments."""


def closest(value: str, sizes: Iterable[str], *, count: int = 3) -> list[str]:
    """The `count` sizes most like `value`, ignoring case, most alike first.

    A size made of the same characters comes first (a transposition: ``D3S`` for ``DS3``), then
    difflib's similarity ratio decides; ties go in name order.
    """
    folded = value.casefold()
    letters = sorted(folded)

    def rank(size: str) -> tuple[bool, float, str]:
        other = size.casefold()
        ratio = difflib.SequenceMatcher(None, folded, other).ratio()
        return (sorted(other) != letters, -ratio, size)

    return sorted(sizes, key=rank)[:count]


def vm_size_problem(value: str, sizes: frozenset[str], *, offered_for: str) -> str | None:
    """None when `value` is in `sizes` exactly; else what is allowed, with the closest sizes."""
    if value in sizes:
        return None
    same_letters = [size for size in sizes if size.casefold() == value.casefold()]
    if same_letters:
        return f"sizes are spelled exactly as Azure does: did you mean {same_letters[0]!r}?"
    suggestions = closest(value, sizes)
    listed = ", ".join(repr(size) for size in suggestions[:-1])
    alternatives = f"{listed} or {suggestions[-1]!r}" if listed else repr(suggestions[-1])
    return (
        f"a VM size Azure ML offers for {offered_for}; did you mean {alternatives}? "
        "(for a size newer than amlstack's table set vmSizeCheck: false)"
    )
