# The lab's seed topology (client, two directors, two real servers on one bridge; docs/testing.md)
# as network namespaces; sourced by lab scripts.
# One namespace holds a bridge; each host is a namespace with a veth e0 on that bridge.
# Only 198.18.0.0/24 is used, and nothing touches the root namespace's interfaces.

LAB_PREFIX=${LAB_PREFIX:-hdlab}
LAB_VIP=198.18.0.100
LAB_HOSTS="client:198.18.0.10 director1:198.18.0.11 director2:198.18.0.12 rs1:198.18.0.21 rs2:198.18.0.22"
LAB_DIR=${LAB_DIR:-}

ns() { echo "$LAB_PREFIX-$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }

lab_need() {
    local missing=()
    command -v nginx >/dev/null || missing+=(nginx-light)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
        rm -f /usr/sbin/policy-rc.d
    fi
}

# Runs from an EXIT trap under set -e: every command here must be allowed to fail (a pid file
# whose process already exited made kill fail, which ended the trap and left the namespaces).
lab_down() {
    [ -n "$LAB_DIR" ] || return 0
    set +e
    local h pidf pid
    for pidf in "$LAB_DIR"/*.pid "$LAB_DIR"/*/*.pid; do
        [ -f "$pidf" ] || continue
        pid=$(cat "$pidf" 2>/dev/null)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    # Every namespace of this lab (its prefix): the seed topology's and lab/ecmp's alike.
    for h in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-"); do
        # Whatever still runs in a namespace (a flood generator, a daemon) goes with it.
        ip netns pids "$h" 2>/dev/null | xargs -r kill -9 2>/dev/null
        ip netns del "$h" 2>/dev/null
    done
    rm -rf "$LAB_DIR"
    return 0
}

# A failed run's evidence outlives lab_down, which deletes LAB_DIR: its logs and configurations
# (each cut to its last 512 kB, 300 files at most) are copied to a directory under LAB_KEEP_DIR
# (default /var/tmp/hadirector-lab), which keeps the newest LAB_KEEP_RUNS (5) runs only; its path
# is printed. CI shows only stdout, so the last 40 lines of the logs named in
# LAB_DIR/show-on-failure (the failed drills' director logs), else of every director log (8 at
# most), are printed too. Call it before lab_down, only on failure; like lab_down it must not fail.
lab_keep() {
    [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] || return 0
    set +e
    local root=${LAB_KEEP_DIR:-/var/tmp/hadirector-lab} runs=${LAB_KEEP_RUNS:-5} dest f rel shown
    dest="$root/$(date -u +%Y%m%dT%H%M%SZ)-$LAB_PREFIX-$$"
    mkdir -p "$dest" || { echo "lab_keep: cannot make $dest; nothing kept" >&2; return 0; }
    find "$LAB_DIR" -maxdepth 2 -type f \( -name '*.log' -o -name '*.conf' -o -name '*.cfg' \
        -o -name 'show-on-failure' \) 2>/dev/null | head -n 300 | while IFS= read -r f; do
        rel=${f#"$LAB_DIR"/}
        mkdir -p "$dest/$(dirname "$rel")"
        tail -c 524288 "$f" > "$dest/$rel"
    done
    # the newest $runs kept runs stay (this one among them)
    ls -1dt "$root"/*/ 2>/dev/null | tail -n +$((runs + 1)) | xargs -r rm -rf
    if [ -s "$LAB_DIR/show-on-failure" ]; then
        shown=$(head -n 8 "$LAB_DIR/show-on-failure")
    else
        shown=$(ls -1t "$LAB_DIR"/director*.log 2>/dev/null | head -n 8)
    fi
    for f in $shown; do
        [ -f "$f" ] || continue
        echo "----- last 40 lines of $(basename "$f") -----"
        tail -n 40 "$f"
    done
    echo "lab directory kept (logs, configurations): $dest (paths above under $LAB_DIR are there)"
    return 0
}

lab_up() {
    [ -n "$LAB_DIR" ] || LAB_DIR=$(mktemp -d /tmp/hdlab.XXXXXX)
    local sw; sw=$(ns sw)
    ip netns add "$sw"
    ip -n "$sw" link set lo up
    ip -n "$sw" link add br0 type bridge
    ip -n "$sw" link set br0 up
    local entry h addr
    for entry in $LAB_HOSTS; do
        h=${entry%%:*}; addr=${entry#*:}
        ip netns add "$(ns "$h")"
        ip -n "$(ns "$h")" link set lo up
        ip -n "$sw" link add "p-$h" type veth peer name e0 netns "$(ns "$h")"
        ip -n "$sw" link set "p-$h" master br0 up
        ip -n "$(ns "$h")" addr add "$addr/24" dev e0
        ip -n "$(ns "$h")" link set e0 up
    done
    # Real servers: the VIP on lo as /32, and no ARP answers for it (the seed documents' settings).
    for h in rs1 rs2; do
        ip netns list | grep -q "^$(ns "$h")\b" || continue
        in_ns "$h" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1 \
            net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.lo.arp_announce=2
        ip -n "$(ns "$h")" addr add "$LAB_VIP/32" dev lo
    done
}

# nginx in a real server's namespace, answering with the server's name.
lab_nginx() {
    local h=$1 dir="$LAB_DIR/nginx-$1"
    mkdir -p "$dir/html"
    chmod 755 "$LAB_DIR" "$dir" "$dir/html"
    echo "$h" > "$dir/html/index.html"
    cat > "$dir/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000;
    client_body_temp_path $dir/tmp;
    server {
        listen 80 reuseport;
        root $dir/html;
        location = /health { return 200 "ok\n"; }
    }
}
NGINX
    # In the foreground under this shell, so that it is reaped and stopped with the lab.
    ip netns exec "$(ns "$h")" nginx -c "$dir/nginx.conf" &
    local i
    for i in $(seq 50); do
        in_ns "$h" curl -s -o /dev/null --max-time 1 http://127.0.0.1/health && return 0
        sleep 0.1
    done
    echo "nginx did not start in $h" >&2
    return 1
}
