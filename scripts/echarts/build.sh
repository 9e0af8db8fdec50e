#!/usr/bin/env bash
# Rebuild civicgrid/static/vendor/echarts-6.1.0/echarts.custom.min.js: ECharts with only what the
# dashboard draws (entry.js: line, bar and pie charts, grid, legend, tooltip, canvas). Run after
# changing entry.js or the versions in package.json, and commit the result. Needs node and npm
# (the registry); node_modules stays in a temporary folder.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../civicgrid/static/vendor/echarts-6.1.0"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/entry.js" "$work/"
(cd "$work" && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null)
version="$(node -p "require('$work/node_modules/echarts/package.json').version")"
[ "$version" = "6.1.0" ] || { echo "echarts $version, not 6.1.0: rename the vendor folder" >&2; exit 1; }
"$work/node_modules/.bin/esbuild" "$work/entry.js" --bundle --minify --format=iife \
  --global-name=echarts --target=es2017 --legal-comments=none \
  --banner:js="/*! ECharts $version (Apache-2.0), custom build: scripts/echarts/entry.js */" \
  --outfile="$out/echarts.custom.min.js" --log-level=warning
cp "$work/node_modules/echarts/LICENSE" "$work/node_modules/echarts/NOTICE" "$out/"
echo "echarts $version from npm, built by scripts/echarts/build.sh (esbuild, entry.js): echarts.custom.min.js; LICENSE, NOTICE" >"$out/VERSION"
ls -l "$out/echarts.custom.min.js"
