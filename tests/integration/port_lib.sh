# free_port: a TCP port nobody listens on, on 127.0.0.1 (source it; used by
# broker_lib.sh and etcd_lib.sh).
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		[ -n "$(ss -Hltn "sport = :$p")" ] || { echo "$p"; return 0; }
	done
	return 1
}
