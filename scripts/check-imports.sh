#!/usr/bin/env bash
# Checks that every target in Package.swift declares exactly the modules its Swift files import.
#
# For each .target/.executableTarget/.testTarget, the set of `import X` lines under its folder
# (system modules such as Foundation, Glibc and XCTest aside) must equal its `dependencies:` list
# (a `.product(name: "X", ...)` counts as module X). Prints one line per mismatch and exits 1 when
# there is any, 0 otherwise. Needs only bash and python3's standard library.
#   bash scripts/check-imports.sh [REPO]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
exec python3 - <<'PY'
import os, re, sys

SYSTEM = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Darwin", "Glibc", "Musl",
          "XCTest", "Swift", "os", "_Concurrency", "Synchronization"}
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*(?:public\s+|internal\s+|package\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)")


def strip_comments(text):
    return "\n".join(line.split("//", 1)[0] if not line.lstrip().startswith("///") else "" for line in text.splitlines())


def balanced(text, start, open_char, close_char):
    """The text from `start` (an opening bracket) to its matching closing bracket, strings skipped."""
    depth, i, in_string = 0, start, False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == open_char:
            depth += 1
        elif c == close_char:
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    raise SystemExit(f"Package.swift: unbalanced {open_char} at offset {start}")


def targets(manifest):
    text = strip_comments(manifest)
    found, end = [], 0
    for match in re.finditer(r"\.(target|executableTarget|testTarget|systemLibrary)\(", text):
        if match.start() < end:
            continue  # a `.target(name:)` inside another target's dependency list
        body = balanced(text, match.end() - 1, "(", ")")
        end = match.end() - 1 + len(body)
        name = re.search(r'name:\s*"([^"]+)"', body).group(1)
        if match.group(1) == "systemLibrary":
            continue
        path = re.search(r'path:\s*"([^"]+)"', body)
        folder = path.group(1) if path else ("Tests/" if match.group(1) == "testTarget" else "Sources/") + name
        declared = set()
        deps = re.search(r"dependencies:\s*\[", body)
        if deps:
            listing = balanced(body, deps.end() - 1, "[", "]")
            for product in re.finditer(r"\.product\(", listing):
                declared.add(re.search(r'name:\s*"([^"]+)"', balanced(listing, product.end() - 1, "(", ")")).group(1))
            listing = re.sub(r"\.product\([^)]*\)", "", listing)
            declared.update(re.findall(r'"([^"]+)"', listing))
        found.append((name, folder, declared))
    return found


def imports(folder):
    modules = set()
    for root, _, files in os.walk(folder):
        for file in files:
            if file.endswith(".swift"):
                with open(os.path.join(root, file), encoding="utf-8") as handle:
                    for line in handle:
                        match = IMPORT.match(line)
                        if match and match.group(1) not in SYSTEM:
                            modules.add(match.group(1))
    return modules


with open("Package.swift", encoding="utf-8") as handle:
    listed = targets(handle.read())
problems = 0
for name, folder, declared in listed:
    if not os.path.isdir(folder):
        print(f"Package.swift: target {name}: folder {folder} is missing")
        problems += 1
        continue
    used = imports(folder) - {name}
    for module in sorted(used - declared):
        print(f"Package.swift: target {name} imports {module} but does not list it in its dependencies")
        problems += 1
    for module in sorted(declared - used):
        print(f"Package.swift: target {name} lists {module} but none of its files imports it")
        problems += 1
print(f"check-imports: {len(listed)} targets, {problems} mismatches")
sys.exit(1 if problems else 0)
PY
