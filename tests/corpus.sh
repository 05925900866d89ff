#!/usr/bin/env bash
# The regression corpus: every scenario file in tests/scenarios/ run by the CLI
# (`raftkv run FILE --seeds A..B`) over the seeds its header names, each seed's verdict
# compared with the one the header expects:
#   # expect: linearizable          (or: not linearizable)
#   # seeds: 0..20
# Prints one line per file and a cargo-style summary that scripts/test.sh adds up; a failing
# seed is printed with the command that replays it.
#
#   tests/corpus.sh [FILE...]        (default: every tests/scenarios/*.toml and *.json)
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release --locked -q -p sim --bin raftkv || exit 1
raftkv=target/release/raftkv
shopt -s nullglob
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/scenarios/*.toml tests/scenarios/*.json)

passed=0
failed=0
for file in "${files[@]}"; do
  expect=$(sed -n 's/^# expect: *//p' "$file" | head -1)
  seeds=$(sed -n 's/^# seeds: *//p' "$file" | head -1)
  case "$expect" in
    linearizable) want='linearizable' ;;
    "not linearizable") want='NOT linearizable' ;;
    *)
      echo "test $file ... FAILED"
      echo "  its header must say '# expect: linearizable' or '# expect: not linearizable'"
      failed=$((failed + 1))
      continue
      ;;
  esac
  if [[ ! "$seeds" =~ ^([0-9]+)\.\.([0-9]+)$ ]]; then
    echo "test $file ... FAILED"
    echo "  its header must name the seeds, e.g. '# seeds: 0..20'"
    failed=$((failed + 1))
    continue
  fi
  count=$((BASH_REMATCH[2] - BASH_REMATCH[1]))
  out=$("$raftkv" run "$file" --seeds "$seeds" 2>&1)
  # Exit 2 is a file the CLI could not read; 1 only says some seed was not linearizable.
  if [ $? = 2 ]; then
    echo "test $file ... FAILED"
    echo "$out" | sed 's/^/  /'
    failed=$((failed + 1))
    continue
  fi
  matching=$(grep -c "^seed [0-9]*: $want\( (\|$\)" <<<"$out")
  if [ "$matching" = "$count" ]; then
    echo "test $file ($expect over seeds $seeds) ... ok"
    passed=$((passed + 1))
  else
    echo "test $file ... FAILED: $matching of $count seeds $expect"
    grep "^seed " <<<"$out" | grep -v "^seed [0-9]*: $want\( (\|$\)" | while read -r _ seed rest; do
      echo "  seed ${seed%:}: $rest"
      echo "    replay: $raftkv run $file --seed ${seed%:}"
    done
    failed=$((failed + 1))
  fi
done
echo "test result: $([ $failed = 0 ] && echo ok || echo FAILED). $passed passed; $failed failed"
[ $failed = 0 ]
