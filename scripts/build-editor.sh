#!/usr/bin/env bash
# Rebuild static/vendor/tiptap/tiptap.min.js from the npm registry.
#
# Charter never needs Node to run or to be tested: the built bundle is committed. Run this
# only to update the editor (change the versions below, run it, test, commit the bundle and
# static/vendor/VERSIONS.md). Needs node and npm.
set -euo pipefail

TIPTAP_VERSION="3.35.0"
ESBUILD_VERSION="0.28.2"

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$root/static/vendor/tiptap"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$here/editor/entry.js" "$work/entry.js"
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --save-exact \
  "@tiptap/core@$TIPTAP_VERSION" "@tiptap/starter-kit@$TIPTAP_VERSION" \
  "@tiptap/pm@$TIPTAP_VERSION" "esbuild@$ESBUILD_VERSION" >/dev/null

mkdir -p "$out"
npx esbuild entry.js --bundle --minify --format=iife --global-name=CharterTiptap \
  --target=es2019 --legal-comments=none --outfile="$out/tiptap.min.js"
cp node_modules/@tiptap/core/LICENSE.md "$out/LICENSE-tiptap.md" 2>/dev/null \
  || cp node_modules/@tiptap/core/LICENSE "$out/LICENSE-tiptap.md"
{
  echo "ProseMirror (bundled inside Tiptap) is MIT-licensed:"
  echo
  cat node_modules/prosemirror-model/LICENSE
} > "$out/LICENSE-prosemirror.txt"
echo "Built $out/tiptap.min.js from @tiptap/core and @tiptap/starter-kit $TIPTAP_VERSION"
