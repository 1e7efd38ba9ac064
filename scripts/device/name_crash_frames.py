#!/usr/bin/env python3
"""Names the addresses a crashing amem_tests printed (tests/support/crash_backtrace.cpp): each
"... in START-END PERMS FILE_OFFSET DEV INODE PATH (offset 0xX into the mapping)" line becomes
PATH's function and source line through addr2line (file offset = mapping's offset + X, which is
the ELF address for position-independent code laid out as the linker does).
Usage: name_crash_frames.py LOG"""
import re
import subprocess
import sys

pattern = re.compile(r"^(.*?) (0x[0-9a-f]+) in \S+ \S+ ([0-9a-f]+) \S+ \d+\s+(\S+) \(offset (0x[0-9a-f]+) into the mapping\)")
seen = set()
for line in open(sys.argv[1], errors="replace"):
    match = pattern.match(line.strip())
    if not match:
        continue
    name, address, mapping_offset, path, offset = match.groups()
    where = hex(int(mapping_offset, 16) + int(offset, 16))
    if (path, where) in seen:
        continue
    seen.add((path, where))
    try:
        named = subprocess.run(["addr2line", "-f", "-C", "-i", "-e", path, where], capture_output=True, text=True,
                               timeout=60).stdout.strip().replace("\n", " | ")
    except (OSError, subprocess.TimeoutExpired) as error:
        named = f"(addr2line failed: {error})"
    print(f"{name} {address}: {path}+{where}: {named}")
