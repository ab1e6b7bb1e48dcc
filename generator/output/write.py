"""The file-writing helpers web/ imports from here, kept in generator/files.py (the bottom layer)."""

from __future__ import annotations

from ..files import TEMP_PREFIX as TEMP_PREFIX
from ..files import LinkError as LinkError
from ..files import current_umask as current_umask
from ..files import fsync_directory as fsync_directory
from ..files import keep_as as keep_as
from ..files import link_inside as link_inside
from ..files import links_refused as links_refused
from ..files import move_into as move_into
from ..files import os_reason as os_reason
from ..files import refuse_links as refuse_links
from ..files import remove_stale_temporaries as remove_stale_temporaries
from ..files import synced_once as synced_once
from ..files import write_atomic as write_atomic
