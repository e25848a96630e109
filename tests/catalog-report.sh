#!/usr/bin/env bash
# catalog-report.sh — what kraft does, offline, with every project of a unikraft/catalog checkout.
#
# Usage: tests/catalog-report.sh CATALOG WORKDIR COMPONENTS [BUILD_PROJECT...]
#   CATALOG     a unikraft/catalog checkout (read only: every project is copied to WORKDIR/projects)
#   WORKDIR     scratch folder: kraft config, caches, project copies, logs/, report.md
#   COMPONENTS  a file of lines "NAME REPOSITORY REVISION" (e.g. "lib-musl /srv/lib-musl RELEASE-0.16.3"),
#               the Unikraft repositories obtainable here and the revision each one should stand for
#   BUILD_PROJECT  catalog-relative project folders (native/helloworld-c ...) to build with kraft and boot;
#               "native" means every native project whose dry run succeeded
# Environment: KRAFT (the kraft binary; default kraft on PATH), KRAFT_MIRRORS (a folder of library origin
# archives, config.yaml unikraft.mirrors), DRYRUN_TIMEOUT (s, 60), BUILD_TIMEOUT (s, 1500),
# BOOT_TIMEOUT (s, 60), JOBS (make jobs, 2), FORCE_BUILD (1: build with --force, i.e. despite Kconfig
# options the local Unikraft does not have), REPORT_ONLY (1: only write report.md again from WORKDIR/rows.tsv).
#
# How catalog versions meet local checkouts: catalog Kraftfiles ask for "stable" or "staging" of
# unikraft/unikraft and unikraft/lib-* (by index name, or by https://github.com/unikraft/NAME.git).
# For each COMPONENTS line the script makes a shared bare clone WORKDIR/remotes/NAME.git whose branches
# stable and staging both point at REVISION; kraft's config.yaml (KRAFTKIT_CONFIG_DIR) lists those
# clones as the component index (unikraft.manifests, one git source each: branches are channels), and a
# git config (GIT_CONFIG_GLOBAL) rewrites https://github.com/unikraft/NAME.git to the clone, so a
# Kraftfile's explicit source: URL reaches the same repository. Anything else is really unobtainable.
#
# Per project: kind (native: builds Unikraft from source; template: "template:" + rootfs, usually
# app-elfloader + Dockerfile; runtime: "runtime:", a prebuilt OCI package), then
# `kraft build --dry-run -p qemu -m x86_64` (resolve and plan; for a template, `kraft pkg pull` first so
# the plan includes it), and for BUILD_PROJECTs `kraft build` and `kraft run -W` (QEMU emulation).
# The first clear reason of a failure is kraft's first "error:" line, or make's first error line.
set -uo pipefail

[ $# -ge 3 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
CATALOG=$(realpath "$1"); WORK=$(realpath -m "$2"); COMPONENTS=$(realpath "$3"); shift 3
BUILDS=("$@")
KRAFT=${KRAFT:-kraft}
DRYRUN_TIMEOUT=${DRYRUN_TIMEOUT:-60}; BUILD_TIMEOUT=${BUILD_TIMEOUT:-1500}; BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}; JOBS=${JOBS:-2}
mkdir -p "$WORK/logs" "$WORK/remotes" "$WORK/projects" "$WORK/kraftcfg"

# --- the component index: local bare clones standing for stable and staging ------------------------
gitcfg="$WORK/gitconfig"; : > "$gitcfg"
manifests=""
while read -r name repo rev; do
    case "$name" in ''|'#'*) continue ;; esac
    dest="$WORK/remotes/$name.git"
    [ -d "$dest" ] || git clone -q --bare --shared "$repo" "$dest" || { echo "cannot clone $repo" >&2; exit 1; }
    commit=$(git -C "$dest" rev-parse --verify -q "$rev^{commit}") || { echo "$repo has no revision $rev" >&2; exit 1; }
    git -C "$dest" branch -f stable "$commit" && git -C "$dest" branch -f staging "$commit"
    git -C "$dest" symbolic-ref HEAD refs/heads/stable
    printf '[url "%s"]\n\tinsteadOf = https://github.com/unikraft/%s.git\n' "$dest" "$name" >> "$gitcfg"
    manifests+="    - $dest"$'\n'
    echo "index: $name = $rev ($(git -C "$dest" rev-parse --short "$commit"))"
done < "$COMPONENTS"
{
    echo "paths:"
    echo "  manifests: $WORK/cache/manifests"
    echo "  sources: $WORK/cache/sources"
    echo "unikraft:"
    echo "  manifests:"
    printf '%s' "$manifests"
    [ -n "${KRAFT_MIRRORS:-}" ] && printf '  mirrors:\n    - %s\n' "$KRAFT_MIRRORS"
} > "$WORK/kraftcfg/config.yaml"
export KRAFTKIT_CONFIG_DIR="$WORK/kraftcfg" GIT_CONFIG_GLOBAL="$gitcfg" KRAFTKIT_RUNTIME_DIR="$WORK/runtime"
"$KRAFT" pkg update > "$WORK/logs/pkg-update.log" 2>&1 || { cat "$WORK/logs/pkg-update.log" >&2; exit 1; }

# --- helpers ----------------------------------------------------------------------------------------
kind_of() {
    if grep -q '^runtime:' "$1"; then echo runtime
    elif grep -q '^template:' "$1"; then echo template
    else echo native; fi
}
# The first clear reason in a log: kraft's first error line (with the next line when it is a list),
# else make's first error line, else the last line.
reason_of() {
    local line
    line=$(grep -m1 -E '^error:' "$1")
    # kraft's line only says make failed: make's own first error says why.
    case "$line" in *"make exited"*) line=$(grep -m1 -E ': (fatal )?error: |\*\*\* ' "$1" || echo "$line") ;; esac
    if [ -n "$line" ] && [ "${line#error:}" != "$line" ]; then
        # A list follows ("N requested option(s) did not get their value ...:"): its first entry, past a header.
        case "$line" in *':') line="$line $(grep -A4 -m1 -E '^error:' "$1" | sed 1d | grep -v -E '^ *NAME ' | head -2 \
            | sed -e 's/^ *//' -e 's/  */ /g' -e 's/ \[unikraft.kconfig.*//' | tr '\n' ' ')" ;; esac
    else
        line=$(grep -m1 -E '(error|Error)[: ]|\*\*\*' "$1" || tail -1 "$1")
    fi
    printf '%s' "$line" | sed -e "s|$WORK/projects/||g" -e 's/|/\\|/g' | cut -c1-300
}
# The cause a reason belongs to, for the summary.
cause_of() {
    case "$1" in
        *FROM*|*Dockerfile*|*docker*|*"base image"*) echo "rootfs Dockerfile: its FROM image is not available offline" ;;
        *unikraft.org*|*registry*|*"runtime"*) echo "runtime package from unikraft.org: registry not reachable (no internet)" ;;
        *"is not in the component index"*)
            echo "needs $(printf '%s' "$1" | grep -o -E "(library|app|core) '[^']+'" | head -1) — not obtainable here (no repository of it on this machine)" ;;
        *"no such option in this Unikraft tree"*|*"did not get their value"*) echo "asks for Kconfig options the newest local Unikraft (0.16.3) lacks (catalog tracks staging)" ;;
        *"No rule to make target"*Makefile.uk*|*"Cargo project"*) echo "Rust app: built with cargo and KraftKit's kraftld, not with make (no Makefile.uk)" ;;
        *"could not fetch"*) echo "a library's upstream source archive is not obtainable offline (not in the mirror)" ;;
        *"timed out"*) echo "timed out" ;;
        *) echo "other: see the reason" ;;
    esac
}

# --- every project ------------------------------------------------------------------------------------
rows="$WORK/rows.tsv"
mapfile -t kraftfiles < <(cd "$CATALOG" && find . -path ./.git -prune -o -name Kraftfile -size +0 -print | sed 's|^\./||' | sort)
[ "${REPORT_ONLY:-0}" = 1 ] && { kraftfiles=(); BUILDS=(); }
[ "${REPORT_ONLY:-0}" = 1 ] || : > "$rows"
for kf in "${kraftfiles[@]}"; do
    rel=$(dirname "$kf"); kind=$(kind_of "$CATALOG/$kf"); log="$WORK/logs/${rel//\//_}.dry-run.log"
    proj="$WORK/projects/$rel"; rm -rf "$proj"; mkdir -p "$(dirname "$proj")"; cp -a "$CATALOG/$rel" "$proj"
    built=-; why=""
    if [ "$kind" = template ]; then
        # pkg pull fetches the template (so the plan includes it) and configures each target, the first build step.
        (cd "$proj" && timeout "$DRYRUN_TIMEOUT" "$KRAFT" pkg pull) > "${log%.dry-run.log}.pull.log" 2>&1
        [ $? -eq 0 ] || { built="no (configure)"; why=$(reason_of "${log%.dry-run.log}.pull.log"); }
    fi
    (cd "$proj" && timeout "$DRYRUN_TIMEOUT" "$KRAFT" build --dry-run -p qemu -m x86_64) > "$log" 2>&1
    rc=$?
    if [ "$kind" = runtime ] && [ $rc -eq 0 ]; then
        # A runtime's plan names the package without fetching it; building pulls it (and builds the rootfs).
        (cd "$proj" && timeout "$DRYRUN_TIMEOUT" "$KRAFT" build) > "${log%.dry-run.log}.build.log" 2>&1
        if [ $? -eq 0 ]; then built=yes; else built=no; why=$(reason_of "${log%.dry-run.log}.build.log"); fi
    fi
    if [ $rc -eq 0 ]; then resolves=yes; reason=$why
    else resolves=no; built=-; reason=$(reason_of "$log"); [ $rc -eq 124 ] && reason="timed out after ${DRYRUN_TIMEOUT}s"; fi
    printf '%s\t%s\t%s\t%s\t-\t%s\n' "$rel" "$kind" "$resolves" "$built" "$reason" >> "$rows"
    echo "dry-run $rel ($kind): $resolves $reason"
done

# --- builds and boots ---------------------------------------------------------------------------------
wanted=()
for b in "${BUILDS[@]}"; do
    if [ "$b" = native ]; then mapfile -t -O "${#wanted[@]}" wanted < <(awk -F'\t' '$2=="native" && $3=="yes" {print $1}' "$rows")
    else wanted+=("$b"); fi
done
for rel in "${wanted[@]}"; do
    proj="$WORK/projects/$rel"; base="$WORK/logs/${rel//\//_}"
    echo "build $rel: $(date -u +%H:%M:%S)"
    force=(); [ "${FORCE_BUILD:-0}" = 1 ] && force=(--force)
    (cd "$proj" && timeout "$BUILD_TIMEOUT" "$KRAFT" build -j "$JOBS" -p qemu -m x86_64 "${force[@]}") > "$base.build.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then built=yes; boot=no; reason=""
        (cd "$proj" && timeout -s INT "$BOOT_TIMEOUT" "$KRAFT" run -W -M 256M --plat qemu -m x86_64 --rm) > "$base.run.log" 2>&1
        rrc=$?
        if grep -q -E 'Powered by|Unikraft|Phoebe|Kiviuq|Telesto' "$base.run.log"; then
            boot="yes$([ $rrc -eq 124 ] && echo ", still running after ${BOOT_TIMEOUT}s (stopped)")"
        else reason=$(reason_of "$base.run.log"); fi
    else built=no; boot=-; reason=$(reason_of "$base.build.log"); [ $rc -eq 124 ] && reason="timed out after ${BUILD_TIMEOUT}s"
    fi
    awk -F'\t' -v OFS='\t' -v r="$rel" -v b="$built" -v o="$boot" -v why="$reason" \
        '$1==r { $4=b; $5=o; if (why!="") $6=why } {print}' "$rows" > "$rows.new" && mv "$rows.new" "$rows"
    echo "build $rel: built=$built boot=$boot $reason"
done

# --- the report ---------------------------------------------------------------------------------------
report="$WORK/report.md"
{
    echo "# kraft and unikraft/catalog, offline ($(date -u +%Y-%m-%d))"
    echo
    echo "Catalog $(git -C "$CATALOG" rev-parse --short HEAD 2>/dev/null || echo '?'): $(wc -l < "$rows") non-empty Kraftfiles;" \
         "$(awk -F'\t' '{n[$2]++} END {printf "%d native, %d template, %d runtime", n["native"], n["template"], n["runtime"]}' "$rows")."
    echo "Component index: $(awk '!/^#/ && NF {printf "%s%s=%s", s, $1, $3; s=", "}' "$COMPONENTS") (stable and staging both)."
    echo
    echo "resolves? = \`kraft build --dry-run\` succeeded (for a runtime project that is only the plan: the package is fetched by the build)."
    echo "builds? = \`kraft build\` (template: \`kraft pkg pull\` configures first; runtime: pulling the package and building the rootfs)."
    echo "boots? = \`kraft run -W\` printed Unikraft's banner."
    echo
    echo "| project | kind | resolves? | builds? | boots? | first reason of a failure | cause |"
    echo "|---|---|---|---|---|---|---|"
    while IFS=$'\t' read -r rel kind res built boot reason; do
        cause=""; [ -n "$reason" ] && cause=$(cause_of "$reason")
        echo "| $rel | $kind | $res | $built | $boot | ${reason:+\`$reason\`} | $cause |"
    done < "$rows"
    echo
    echo "## Causes"
    while IFS=$'\t' read -r rel kind res built boot reason; do
        [ -n "$reason" ] && printf '%s\t%s\n' "$(cause_of "$reason")" "$rel"
    done < "$rows" | sort | awk -F'\t' '
        $1 != c { if (c != "") printf "\n"; c = $1; printf "- **%s**: ", c; n = 0 }
        { printf "%s%s", (n++ ? ", " : ""), $2 } END { printf "\n" }'
} > "$report"
echo "report: $report"
