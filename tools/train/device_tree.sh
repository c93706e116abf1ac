#!/usr/bin/env sh
# The device tool sends the working tree (tracked + untracked-not-ignored files + carried paths), at most
# 64 MiB. The shipped models alone are ~60 MB, so a training bundle no longer fits beside them. This script
# shrinks what travels for one device call and puts everything back afterwards:
#
#   sh tools/train/device_tree.sh lean tools packages/model-image   # keep only these tracked paths
#   sh tools/train/device_tree.sh size .bundle-gpu3                 # bytes that would travel with that carry
#   ... device run ...
#   sh tools/train/device_tree.sh restore                           # index and .git/info/exclude as before
#
# "lean" only changes the git index (files stay on disk) and .git/info/exclude; restore reads the saved tree
# back. Never commit while lean: the commit would delete the untracked paths. To carry a bundle without its
# 26 MB encoder twice, replace .bundle*/encoder.safetensors by a relative symlink to the shipped model's
# (identical bytes; links travel as links): ln -sf ../packages/model-image/encoder.safetensors (before the
# npm packages sharded it into encoder.safetensors.part-*)
set -eu
cd "$(git rev-parse --show-toplevel)"
git_dir=$(git rev-parse --git-dir)
saved_tree="$git_dir/adaattn-full-tree"
saved_exclude="$git_dir/adaattn-exclude"

travel_bytes() {  # tracked + untracked-not-ignored files (links as links), plus the carried paths
  { git ls-files -z -co --exclude-standard; for p in "$@"; do find "$p" -print0; done; } |
    xargs -0 stat -c '%F %s' | awk '$1 != "directory" { s += $NF } END { printf "%d bytes = %.1f MiB (limit 64 MiB)\n", s, s / 1048576 }'
}

case "${1:-}" in
  lean)
    shift
    [ $# -gt 0 ] || { echo "device_tree: name the tracked paths to keep" >&2; exit 2; }
    [ ! -e "$saved_tree" ] || { echo "device_tree: already lean (run restore first)" >&2; exit 1; }
    git write-tree > "$saved_tree"
    cp "$git_dir/info/exclude" "$saved_exclude"
    keep=$(printf '%s\n' "$@" | sed 's#/*$##')
    git ls-files | while IFS= read -r f; do
      hit=0
      for k in $keep; do case "$f" in "$k"|"$k"/*) hit=1 ;; esac; done
      [ $hit -eq 1 ] || printf '%s\n' "$f"
    done > "$git_dir/adaattn-dropped"
    git rm -q --cached --pathspec-from-file="$git_dir/adaattn-dropped"
    sed 's#^#/#' "$git_dir/adaattn-dropped" >> "$git_dir/info/exclude"
    echo "lean: $(wc -l < "$git_dir/adaattn-dropped") tracked files left behind; travels: $(travel_bytes)"
    ;;
  size)
    shift
    echo "travels: $(travel_bytes "$@")"
    ;;
  restore)
    [ -e "$saved_tree" ] || { echo "device_tree: nothing to restore" >&2; exit 1; }
    git read-tree "$(cat "$saved_tree")"
    cp "$saved_exclude" "$git_dir/info/exclude"
    rm -f "$saved_tree" "$saved_exclude" "$git_dir/adaattn-dropped"
    echo "restored: $(git ls-files | wc -l) tracked files"
    ;;
  *)
    echo "usage: device_tree.sh lean PATH... | size [CARRY...] | restore" >&2
    exit 2
    ;;
esac
