"""Inputs no reader takes: every file or folder in the input folder that a run would not read.

A folder named `GA4/` or `google_analytics/`, an export under a name its reader does not expect, a
file beside the source folders: each would be left out without a word and the warehouse published
without it. They are listed here by their path inside the input folder, with what was probably
meant, so `run` can refuse to publish (`quality.unread_inputs` and its gate), and `sources` and
`doctor` can show them. Patterns in the `ignore_inputs` setting silence the ones that are meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from journeyflow.sources import SOURCES
from journeyflow.sources.custom import CUSTOM_FOLDER, MAPPING_FILE, discover
from journeyflow.sources.landing import folder_files, input_name
from journeyflow.sources.readers import find_files

SOURCE_FOLDERS = tuple(dict.fromkeys(source.folder for source in SOURCES))
# names the vendors' tools or colleagues give these folders, beyond case and near-misses
FOLDER_ALIASES = {
    "google_analytics": "ga4", "googleanalytics": "ga4", "google-analytics": "ga4", "ga": "ga4",
    "ga4_export": "ga4", "bigquery": "ga4", "analytics": "ga4",
    "sfdc": "salesforce", "survey": "surveys", "nps": "surveys", "csat": "surveys",
    "hub_spot": "hubspot", "hubspot_export": "hubspot", "zendesk_support": "zendesk",
    "customs": "custom", "other": "custom",
    "shop": "shopify", "shopify_orders": "shopify", "orders": "shopify",
    "woo": "woocommerce", "woo_commerce": "woocommerce", "wc": "woocommerce",
    "googleads": "google_ads", "google-ads": "google_ads", "adwords": "google_ads",
    "google_ads_reports": "google_ads",
    "linkedin": "linkedin_ads", "linkedin_campaign_manager": "linkedin_ads",
    "meta": "meta_ads", "facebook_ads": "meta_ads", "facebook": "meta_ads", "fb_ads": "meta_ads",
    "mail_chimp": "mailchimp", "mailchimp_reports": "mailchimp", "newsletter": "mailchimp",
    "klavio": "klaviyo", "klaviyo_events": "klaviyo", "klaviyo_export": "klaviyo",
    "atomic": "snowplow_atomic", "atomic_events": "snowplow_atomic",
    "snowplow_atomic_events": "snowplow_atomic",
    "hubspot_fivetran": "fivetran_hubspot", "fivetran_hubspot_dump": "fivetran_hubspot",
    "zendesk_fivetran": "fivetran_zendesk", "fivetran_zendesk_support": "fivetran_zendesk",
    "zendesk_airbyte": "airbyte_zendesk", "airbyte_zendesk_support": "airbyte_zendesk",
    "fivetran_sfdc": "fivetran_salesforce", "salesforce_fivetran": "fivetran_salesforce",
}


@dataclass(frozen=True)
class UnreadInput:
    path: str  # inside the input folder, POSIX; a folder ends with "/"
    reason: str  # why no reader takes it and what was probably meant
    ignored_by: str | None = None  # the ignore_inputs pattern that says it is meant


class NoInputError(ValueError):
    """The input folder holds nothing any reader takes: a run would publish an empty warehouse."""


def unread_inputs(input_dir: Path, ignore: Iterable[str] = ()) -> list[UnreadInput]:
    """Every file or folder under `input_dir` that no reader takes; those an `ignore` pattern
    matches carry it in `ignored_by`.

    Hidden names (`.DS_Store`) and `_` folders (`_temporary/`) are skipped, as the readers skip them.
    """
    patterns = tuple(ignore)
    read = {input_name(input_dir, path) for source in SOURCES for path in find_files(input_dir, source)}
    found: list[UnreadInput] = []
    for entry in sorted(input_dir.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir() and entry.name == CUSTOM_FOLDER:
            found += _unread_custom(input_dir, read)
        elif entry.is_dir() and entry.name in SOURCE_FOLDERS:
            found += [UnreadInput(input_name(input_dir, path), _file_reason(entry.name, path.name))
                      for path in folder_files(entry) if input_name(input_dir, path) not in read]
        elif entry.is_dir():
            found.append(UnreadInput(entry.name + "/", _folder_reason(entry.name)))
        else:
            found.append(UnreadInput(entry.name, "a file beside the source folders: no reader looks "
                                                  f"there (put it in its source's folder: {_folders()})"))
    return [replace(item, ignored_by=ignored_by(item.path, patterns)) for item in found]


def ignored_by(path: str, patterns: Iterable[str]) -> str | None:
    """The first pattern that `path` (or a folder it is in) matches: `archive/**`, `archive/`,
    `*.txt`, `hubspot/notes.md`."""
    candidates = [path.rstrip("/"), *(str(parent) for parent in PurePosixPath(path.rstrip("/")).parents
                                      if str(parent) != ".")]
    for pattern in patterns:
        bare = pattern.removesuffix("/**").rstrip("/")
        if any(fnmatchcase(candidate, pattern) or fnmatchcase(candidate, bare) for candidate in candidates):
            return pattern
    return None


def require_input(input_dir: Path, ignore: Iterable[str] = ()) -> None:
    """Raise NoInputError, naming what is there instead, when no reader takes any file.

    Checked before anything is landed, so an emptied or misnamed input folder neither wipes the
    raw layer of earlier runs nor replaces a published warehouse.
    """
    if not input_dir.is_dir():
        raise NoInputError(f"input folder {input_dir} does not exist")
    if any(find_files(input_dir, source) for source in SOURCES):
        return
    unread = [item for item in unread_inputs(input_dir, ignore) if item.ignored_by is None]
    found = "; ".join(f"{item.path}: {item.reason}" for item in unread) or "it is empty"
    raise NoInputError(f"no export file in {input_dir} that a source reads ({found}); "
                       f"expected exports in {_folders()} (docs/sources.md)")


def _folders() -> str:
    return ", ".join(f"{folder}/" for folder in SOURCE_FOLDERS)


def _folder_reason(name: str) -> str:
    guess = FOLDER_ALIASES.get(name.lower()) or (name.lower() if name.lower() in SOURCE_FOLDERS else None)
    if guess is None:
        close = difflib.get_close_matches(name.lower(), SOURCE_FOLDERS, n=1, cutoff=0.6)
        guess = close[0] if close else None
    hint = f"did you mean {guess}/?" if guess else f"source folders are {_folders()}"
    return f"not a source folder: {hint}"


def _file_reason(folder: str, name: str) -> str:
    patterns = [p for s in SOURCES if s.folder == folder for p in s.patterns if not p.endswith(".gz")]
    close = difflib.get_close_matches(name.lower(), patterns, n=1, cutoff=0.5)
    hint = f" (closest: {close[0]})" if close else ""
    return f"no {folder} reader takes this file name{hint}; {folder}/ reads {', '.join(patterns)}"


def _unread_custom(input_dir: Path, read: set[str]) -> list[UnreadInput]:
    """custom/: folders without a mapping, and files a usable mapping's `files:` leave out.

    A folder whose mapping is invalid is reported by the run already (one reject naming the error).
    """
    root = input_dir / CUSTOM_FOLDER
    mapped = {custom.folder.name: custom for custom in discover(input_dir)}
    found: list[UnreadInput] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        rel = input_name(input_dir, entry)
        if not entry.is_dir():
            found.append(UnreadInput(rel, f"a file beside the custom sources: put it in "
                                          f"{CUSTOM_FOLDER}/<name>/ with a {MAPPING_FILE}"))
            continue
        custom = mapped.get(entry.name)
        if custom is None:
            names = [p.name for p in entry.iterdir() if p.is_file()]
            close = difflib.get_close_matches(MAPPING_FILE, names, n=1, cutoff=0.7)
            hint = f" ({close[0]} found: rename it to {MAPPING_FILE})" if close else ""
            found.append(UnreadInput(rel + "/", f"custom source folder without {MAPPING_FILE}{hint}"))
            continue
        if custom.mapping is None:
            continue
        for path in folder_files(entry):
            name = input_name(input_dir, path)
            if name not in read and path.name != MAPPING_FILE:
                files = custom.mapping.files or "every file of its format"
                reason = f"not among the files of {rel}/{MAPPING_FILE} (files: {files})"
                found.append(UnreadInput(name, reason))
    return found
