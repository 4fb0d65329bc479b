#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completions (contrib/bash-completion/dmremap, dmremapd) register
# themselves and complete every command and every option that the built
# programs' --help lists, device names from device-mapper (a stand-in
# dmsetup prints two), option values and file arguments.
source "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A dmsetup that knows one remap and one dm-remap-v4 device, and fails for
# any other call than the one the completion should make.
cat >"$tmp/dmsetup" <<'STUB'
#!/bin/sh
[ "$1 $2" = "ls --target" ] || exit 1
case $3 in
remap) printf 'r0\t(254:0)\ndata\t(254:2)\n' ;;
dm-remap-v4) printf 'old4\t(254:1)\n' ;;
*) echo "No devices found" ;;
esac
STUB
chmod +x "$tmp/dmsetup"
touch "$tmp/spare.img"

dmremap=$BUILD/bin/dmremap
# complete WORDS...: the completions of the last word, one per line.
complete_words() {
	PATH="$tmp:$PATH" bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
		_dmremap dmremap "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$SRC/contrib/bash-completion/dmremap" "$@"
}
expect_has() { # what word completions
	grep -qxF -- "$2" <<<"$3" || fail "$1: '$2' not offered (offered: $(tr '\n' ' ' <<<"$3"))"
}
expect_none() { # what completions
	[[ -z $3 ]] || fail "$1: expected nothing, offered: $(tr '\n' ' ' <<<"$3")"
}

registered=$(bash --norc --noprofile -c 'source "$1"; complete -p dmremap' _ "$SRC/contrib/bash-completion/dmremap")
[[ $registered == "complete -F _dmremap dmremap" ]] || fail "registration is '$registered'"

# Every command and option, at each level.
while read -r path; do
	read -r -a words <<<"$path"
	help=$("$dmremap" "${words[@]}" --help)
	offered=$(complete_words "$dmremap" "${words[@]}" "")
	while read -r sub; do
		[[ -n $sub ]] && expect_has "dmremap $path <TAB>" "$sub" "$offered"
	done < <(help_section "$help" Subcommands | awk '{ print $1 }')
	offered=$(complete_words "$dmremap" "${words[@]}" "-")
	while read -r opt; do
		[[ -n $opt ]] && expect_has "dmremap $path -<TAB>" "$opt" "$offered"
	done < <(help_options "$help")
done < <(command_paths "$dmremap")

# Devices, not for a new name; none after the name (block numbers).
offered=$(complete_words "$dmremap" status "")
for dev in r0 data old4; do expect_has "dmremap status <TAB>" "$dev" "$offered"; done
expect_has "dmremap remap d<TAB>" data "$(complete_words "$dmremap" remap d)"
expect_none "dmremap create <TAB>" "" "$(complete_words "$dmremap" create "")"
# events takes an optional device, also one that does not exist yet.
expect_has "dmremap events <TAB>" data "$(complete_words "$dmremap" events "")"
expect_none "dmremap events data <TAB>" "" "$(complete_words "$dmremap" events data "")"
expect_none "dmremap status data <TAB>" "" "$(complete_words "$dmremap" status data "")"
expect_none "dmremap status data --watch --count <TAB>" "" \
	"$(complete_words "$dmremap" status data --watch --count "")"
expect_none "dmremap remap r0 <TAB>" "" "$(complete_words "$dmremap" remap r0 "")"
# Options between arguments do not shift the positions.
expect_none "dmremap remap --json r0 <TAB>" "" "$(complete_words "$dmremap" remap --json r0 "")"
expect_has "dmremap remap --json <TAB>" r0 "$(complete_words "$dmremap" remap --json "")"

# Files: devices and images, and TEXT option values; numbers get nothing.
expect_has "dmremap create x <main>" "$tmp/spare.img" "$(complete_words "$dmremap" create x "$tmp/spa")"
expect_has "dmremap metadata check <spare>" "$tmp/spare.img" \
	"$(complete_words "$dmremap" metadata check "$tmp/spa")"
expect_has "dmremap metadata dump -o <file>" "$tmp/spare.img" \
	"$(complete_words "$dmremap" metadata dump -o "$tmp/spa")"
expect_none "dmremap create --block-size <TAB>" "" "$(complete_words "$dmremap" create --block-size "")"
# After an option's value, the first positional again: a new name, nothing.
expect_none "dmremap create --block-size 4096 <TAB>" "" "$(complete_words "$dmremap" create --block-size 4096 "")"

# dmremapd: every option of its --help, and each option's values.
dmremapd=$BUILD/bin/dmremapd
complete_daemon() {
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
		_dmremapd dmremapd "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$SRC/contrib/bash-completion/dmremapd" "$@"
}
registered=$(bash --norc --noprofile -c 'source "$1"; complete -p dmremapd' _ "$SRC/contrib/bash-completion/dmremapd")
[[ $registered == "complete -F _dmremapd dmremapd" ]] || fail "dmremapd registration is '$registered'"
offered=$(complete_daemon "$dmremapd" -)
while read -r opt; do
	expect_has "dmremapd -<TAB>" "$opt" "$offered"
done < <(help_options "$("$dmremapd" --help)")
[[ $(wc -l <<<"$offered") -ge 15 ]] || fail "dmremapd -<TAB>: only $(wc -l <<<"$offered") options"
offered=$(complete_daemon "$dmremapd" --alert-reminder "")
for v in once daily diminishing; do expect_has "dmremapd --alert-reminder <TAB>" "$v" "$offered"; done
expect_has "dmremapd --alert-reminder d<TAB>" daily "$(complete_daemon "$dmremapd" --alert-reminder d)"
expect_none "dmremapd --alert-reminder d<TAB>, only d..." "" \
	"$(complete_daemon "$dmremapd" --alert-reminder d | grep -v '^d' || true)"
expect_has "dmremapd --scrub-every <TAB>" off "$(complete_daemon "$dmremapd" --scrub-every "")"
expect_has "dmremapd --spare-thresholds <TAB>" none "$(complete_daemon "$dmremapd" --spare-thresholds "")"
expect_has "dmremapd --config <file>" "$tmp/spare.img" "$(complete_daemon "$dmremapd" --config "$tmp/spa")"
expect_has "dmremapd --state-file <file>" "$tmp/spare.img" "$(complete_daemon "$dmremapd" --state-file "$tmp/spa")"
expect_has "dmremapd --alert-command <command>" bash "$(complete_daemon "$dmremapd" --alert-command bas)"
# Addresses, times and numbers have nothing to offer; never option names.
expect_none "dmremapd --listen <TAB>" "" "$(complete_daemon "$dmremapd" --listen "")"
expect_none "dmremapd --rescan-interval <TAB>" "" "$(complete_daemon "$dmremapd" --rescan-interval "")"
expect_none "dmremapd --scrub-rate <TAB>" "" "$(complete_daemon "$dmremapd" --scrub-rate "")"
# A flag takes no value: the next word is an option again.
expect_has "dmremapd --alert-test -<TAB>" --listen "$(complete_daemon "$dmremapd" --alert-test -)"

finish
