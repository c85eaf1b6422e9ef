#!/usr/bin/env bash
# fetch.sh re-fetches the front-end libraries that the server embeds
# (server/assets/vendor) from the npm registry with `npm pack`, copies the
# UMD builds and their licences, and rewrites server/assets/VERSIONS with
# each package's tarball integrity and each file's sha256.
#
#   bash server/assets/fetch.sh          # refresh vendor/ and VERSIONS
#   bash server/assets/fetch.sh --check  # fetch into a temp dir and fail if
#                                        # vendor/ differs from the registry
#
# Only npm is needed (no bundler, no node_modules). TestVendorChecksums
# (server/assets_test.go) checks the committed files against VERSIONS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=0
[[ "${1:-}" == "--check" ]] && check=1

# package@version  file-in-tarball  name-in-vendor
files=(
  "react@18.3.1           package/umd/react.production.min.js      react.production.min.js"
  "react@18.3.1           package/LICENSE                          LICENSE.react"
  "react-dom@18.3.1       package/umd/react-dom.production.min.js  react-dom.production.min.js"
  "react-dom@18.3.1       package/LICENSE                          LICENSE.react-dom"
  "graphiql@4.1.2         package/graphiql.min.js                  graphiql.min.js"
  "graphiql@4.1.2         package/graphiql.min.css                 graphiql.min.css"
  "graphiql@4.1.2         package/LICENSE                          LICENSE.graphiql"
  "cytoscape@3.34.4       package/dist/cytoscape.min.js            cytoscape.min.js"
  "cytoscape@3.34.4       package/LICENSE                          LICENSE.cytoscape"
  "layout-base@2.0.1      package/layout-base.js                   layout-base.js"
  "layout-base@2.0.1      package/LICENSE                          LICENSE.layout-base"
  "cose-base@2.2.0        package/cose-base.js                     cose-base.js"
  "cose-base@2.2.0        package/LICENSE                          LICENSE.cose-base"
  "cytoscape-fcose@2.2.0  package/cytoscape-fcose.js               cytoscape-fcose.js"
  "cytoscape-fcose@2.2.0  package/LICENSE                          LICENSE.cytoscape-fcose"
  "cytoscape-dagre@4.0.1  package/dist/cytoscape-dagre.min.js      cytoscape-dagre.min.js"
  "cytoscape-dagre@4.0.1  package/LICENSE                          LICENSE.cytoscape-dagre"
  "cytoscape-svg@0.4.0    package/cytoscape-svg.js                 cytoscape-svg.js"
  "cytoscape-svg@0.4.0    package/LICENSE                          LICENSE.cytoscape-svg"
  "@graphiql/plugin-explorer@4.0.6 package/dist/index.umd.js      graphiql-plugin-explorer.umd.js"
  "@graphiql/plugin-explorer@4.0.6 package/dist/style.css         graphiql-plugin-explorer.css"
  "@graphiql/plugin-explorer@4.0.6 package/package.json           package.graphiql-plugin-explorer.json"
)
# The layouts: fcose (force-directed with overlap removal, on cose-base and
# layout-base) for neighbourhoods, dagre (bundled in cytoscape-dagre) for
# paths left to right; cytoscape-svg exports the picture as SVG. The
# GraphiQL Explorer plugin 4.0.6 is the release for @graphiql/react 0.34,
# which graphiql 4.1.2 embeds (it reads React and GraphiQL's own React and
# GraphQL from the page); its tarball has no LICENSE file, so its
# package.json (licence: MIT) is kept instead.

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
out="$tmp/vendor"
mkdir -p "$out" "$tmp/packs"

declare -A integrity
for line in "${files[@]}"; do
  read -r pkg _ _ <<<"$line"
  [[ -n "${integrity[$pkg]:-}" ]] && continue
  (cd "$tmp/packs" && npm pack --silent --json "$pkg" >"$tmp/pack.json")
  integrity[$pkg]="$(node -e 'const j=require(process.argv[1]); console.log(j[0].integrity)' "$tmp/pack.json" 2>/dev/null ||
    sed -n 's/.*"integrity": "\(.*\)".*/\1/p' "$tmp/pack.json")"
  name="${pkg%@*}"
  name="${name#@}"
  mkdir -p "$tmp/x/$pkg"
  tar -xzf "$tmp/packs/${name//\//-}-${pkg##*@}.tgz" -C "$tmp/x/$pkg"
done

{
  echo "# Front-end libraries embedded in the server binary (server/assets/vendor)."
  echo "# Written by server/assets/fetch.sh from the npm registry; checked by TestVendorChecksums."
  echo "# package@version file sha256 tarball-integrity"
  for line in "${files[@]}"; do
    read -r pkg src dst <<<"$line"
    cp "$tmp/x/$pkg/$src" "$out/$dst"
    sum="$(sha256sum "$out/$dst" | cut -d' ' -f1)"
    echo "$pkg $dst $sum ${integrity[$pkg]}"
  done
} >"$tmp/VERSIONS"

if [[ $check == 1 ]]; then
  diff -r "$out" "$here/vendor" && diff "$tmp/VERSIONS" "$here/VERSIONS"
  echo "vendor/ matches the npm registry"
  exit 0
fi
rm -rf "$here/vendor"
cp -r "$out" "$here/vendor"
cp "$tmp/VERSIONS" "$here/VERSIONS"
echo "wrote $here/vendor and $here/VERSIONS:"
cat "$here/VERSIONS"
