#!/usr/bin/env bash
# Start a throwaway single-node Ceph (mon + memstore osd + radosgw) with an S3 endpoint on 127.0.0.1.
# Several clusters may run at once on one machine: every run gets its own RUN_DIR and free ports.
# Daemons run in the foreground (-f) as background jobs; their PIDs go to $RUN_DIR/pids for stop.sh.
#
# Env knobs:
#   WORM_BASE      base dir for run dirs (default ${XDG_RUNTIME_DIR:-/tmp}/custody-worm)
#   RUN_DIR        cluster dir (default: fresh mktemp -d under WORM_BASE)
#   RGW_PORT       S3 port (default: a free port)
#   MON_PORT       mon msgr2 port (default: a free port)
#   OBJECTSTORE    memstore|bluestore (default memstore)
#   S3_ACCESS_KEY / S3_SECRET_KEY (default: random per cluster)
#   READY_TIMEOUT  seconds (default 60)
#   WORM_OWNER_PID stop the cluster once this process is gone (a test runner that crashed or was killed)
# On success writes $RUN_DIR/env and prints it; on failure exits != 0 with the log tail on stderr.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORM_BASE=${WORM_BASE:-${XDG_RUNTIME_DIR:-/tmp}/custody-worm}
OBJECTSTORE=${OBJECTSTORE:-memstore}
READY_TIMEOUT=${READY_TIMEOUT:-60}
FIXED_MON_PORT=${MON_PORT:-}
FIXED_RGW_PORT=${RGW_PORT:-}

fail() { echo "start.sh: ERROR: $*" >&2; exit 1; }

for bin in ceph ceph-mon ceph-osd radosgw radosgw-admin ceph-authtool monmaptool uuidgen curl; do
  command -v "$bin" >/dev/null || fail "'$bin' not found; install Ceph with build/worm/install.sh (as root)"
done

random_key() {  # length, alphabet
  local key
  key=$(LC_ALL=C tr -dc "$2" </dev/urandom | head -c "$1") || true
  printf '%s' "$key"
}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-$(random_key 20 'A-Z0-9')}
S3_SECRET_KEY=${S3_SECRET_KEY:-$(random_key 40 'A-Za-z0-9')}

if [[ -z "${RUN_DIR:-}" ]]; then
  mkdir -p "$WORM_BASE"
  RUN_DIR=$(mktemp -d "$WORM_BASE/run.XXXXXX")
fi
mkdir -p "$RUN_DIR"/{mon,osd,run,log,crash,rgw}
RUN_DIR=$(cd "$RUN_DIR" && pwd)
: > "$RUN_DIR/pids"
CONF="$RUN_DIR/ceph.conf"

T0=${EPOCHREALTIME/./}
ts() { local d=$(( ${EPOCHREALTIME/./} - T0 )); printf '[%d.%02ds] %s\n' $((d / 1000000)) $(((d / 10000) % 100)) "$*" >> "$RUN_DIR/log/start.log"; }

# On failure: show why, stop whatever this run started (by recorded PID) and keep the logs.
die() {
  {
    echo "start.sh: ERROR: $*"
    for log in "$RUN_DIR"/log/*.log "$RUN_DIR"/log/*.stdout; do
      [[ -s "$log" ]] || continue
      echo "--- tail of $log"
      tail -n 8 "$log"
    done
    echo "start.sh: logs kept in $RUN_DIR/log"
  } >&2
  KEEP=1 "$HERE/stop.sh" "$RUN_DIR" >/dev/null 2>&1 || true
  exit 1
}

# A port is free when no TCP socket (any state, v4 or v6) uses it locally. Ports are drawn below the
# kernel's ephemeral range so that port-0 servers of other tests cannot take them between check and bind.
port_free() {
  local hex
  hex=$(printf '%04X' "$1")
  ! grep -qE "^ *[0-9]+: [0-9A-F]+:$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
port_listening() {  # state 0A = LISTEN
  local hex
  hex=$(printf '%04X' "$1")
  grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
pick_port() {
  local low _high port i
  read -r low _high < /proc/sys/net/ipv4/ip_local_port_range
  (( low > 20100 )) || low=32768
  for i in $(seq 1 200); do
    port=$(( 20000 + RANDOM % (low - 20000) ))
    port_free "$port" && { echo "$port"; return 0; }
  done
  return 1
}

running() {  # name: is the recorded daemon still alive?
  local pid
  pid=$(awk -v n="$1" '$2==n{print $1}' "$RUN_DIR/pids" | tail -n 1)
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

start_bg() {  # name, cmd...
  local name=$1
  shift
  "$@" </dev/null >"$RUN_DIR/log/$name.stdout" 2>&1 &
  echo "$! $name" >> "$RUN_DIR/pids"
}

write_conf() {
  cat > "$CONF" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.1/32
ms bind msgr1 = false
ms bind ipv6 = false
# fail fast on a taken port (we retry with another one) instead of 3 retries 5 s apart
ms bind retry count = 1
ms bind retry delay = 1

auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
keyring = $RUN_DIR/keyring

run dir = $RUN_DIR/run
admin socket = $RUN_DIR/run/\$name.asok
pid file = $RUN_DIR/run/\$name.pid
log file = $RUN_DIR/log/\$name.log
crash dir = $RUN_DIR/crash
log to stderr = false
err to stderr = true
mon cluster log file = $RUN_DIR/log/cluster.log

osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon allow pool delete = true
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
# paxos batches map changes for 1 s by default; every pool create / osd boot waits for it.
paxos propose interval = 0.01
paxos min wait = 0.001

[mon]
mon data = $RUN_DIR/mon/\$cluster-\$id
mon initial members = a

[osd]
osd data = $RUN_DIR/osd/\$cluster-\$id
osd objectstore = $OBJECTSTORE
memstore device bytes = 2147483648
bluestore block path = $RUN_DIR/osd/\$cluster-\$id.block
bluestore block size = 10737418240
bluestore block create = true
bluestore fsck on mkfs = false
bluestore fsck on mount = false
osd op num shards = 1
osd op num threads per shard = 2
osd max object name len = 460
osd max object namespace len = 64
osd check max object name len on startup = false

[client]
# rgw starts with the osd still booting; ops it sent too early are resent on the objecter tick
# (default 5 s), which made one start in three take 6 s instead of 1.
objecter tick interval = 0.2

[client.rgw.a]
# radosgw's built-in defaults force ms_mon_client_mode=secure, which auth=none cannot provide.
ms mon client mode = crc secure
rgw thread pool size = 64
rgw enable usage log = false
rgw dns name =
rgw data = $RUN_DIR/rgw
EOF
}

for fixed in "$FIXED_MON_PORT" "$FIXED_RGW_PORT"; do
  [[ -z "$fixed" ]] || port_free "$fixed" || die "port $fixed is already in use (unset MON_PORT/RGW_PORT to pick free ports)"
done

FSID=$(uuidgen)
OSD_UUID=$(uuidgen)
CEPH=(timeout 30 ceph -c "$CONF" --connect-timeout 20)

# --- monitor: retried on another port if the chosen one was taken meanwhile ---------------------
for attempt in 1 2 3; do
  MON_PORT=${FIXED_MON_PORT:-$(pick_port)} || die "no free port for the monitor"
  write_conf
  rm -rf "$RUN_DIR/mon" "$RUN_DIR/keyring" && mkdir -p "$RUN_DIR/mon"
  ceph-authtool --create-keyring "$RUN_DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$RUN_DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$RUN_DIR/monmap" --keyring "$RUN_DIR/keyring" >"$RUN_DIR/log/mon-mkfs.log" 2>&1 \
    || die "mon mkfs failed"
  start_bg mon.a ceph-mon -c "$CONF" -i a -f
  # Listening (port was free before) or exited (bind failed): a lost race costs a retry, not a timeout.
  for _ in $(seq 1 100); do
    port_listening "$MON_PORT" && break
    running mon.a || break
    sleep 0.05
  done
  if running mon.a; then
    # `ceph osd new` waits (up to --connect-timeout) for the monitor to form its quorum of one.
    OSD_ID=$("${CEPH[@]}" osd new "$OSD_UUID" 2>"$RUN_DIR/log/osd-new.log") || die "monitor on port $MON_PORT does not answer"
    break
  fi
  [[ -z "$FIXED_MON_PORT" && $attempt -lt 3 ]] || die "monitor exited (port $MON_PORT)"
  ts "monitor exited on port $MON_PORT; retrying with another port"
done
ts "mon up on $MON_PORT, osd.$OSD_ID allocated"

# --- osd ------------------------------------------------------------------------------------------
mkdir -p "$RUN_DIR/osd/ceph-$OSD_ID"
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >"$RUN_DIR/log/osd-mkfs.log" 2>&1 || die "osd mkfs failed"
start_bg "osd.$OSD_ID" ceph-osd -c "$CONF" -i "$OSD_ID" -f
ts "osd started ($OBJECTSTORE)"

# --- radosgw: started right away; it blocks on its pool creation until the osd is up -------------
deadline=$(( $(date +%s) + READY_TIMEOUT ))
for attempt in 1 2 3; do
  RGW_PORT=${FIXED_RGW_PORT:-$(pick_port)} || die "no free port for radosgw"
  URL="http://127.0.0.1:$RGW_PORT"
  # tcp_nodelay: without it beast's split responses hit Nagle + delayed ACK, ~40 ms on every listing.
  start_bg rgw.a radosgw -c "$CONF" -n client.rgw.a -f --rgw-frontends "beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1"
  until curl -fs -o /dev/null --max-time 2 "$URL/"; do
    (( $(date +%s) < deadline )) || die "radosgw not answering on $URL after ${READY_TIMEOUT}s"
    running mon.a || die "monitor exited"
    running "osd.$OSD_ID" || die "osd exited"
    running rgw.a || break
    sleep 0.1
  done
  running rgw.a && break
  [[ -z "$FIXED_RGW_PORT" && $attempt -lt 3 ]] || die "radosgw exited (port $RGW_PORT)"
  ts "radosgw exited on port $RGW_PORT; retrying with another port"
done
ts "rgw answers on $URL"

radosgw-admin -c "$CONF" -n client.admin user create --uid=custody --display-name="Custody test user" \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >"$RUN_DIR/log/user-create.json" 2>"$RUN_DIR/log/user-create.log" \
  || die "S3 user creation failed"
# The user-create output holds the secret; the env file below is the one place that keeps it.
rm -f "$RUN_DIR/log/user-create.json"
ts "s3 user created"

# A signed ListBuckets proves radosgw sees the new user, not just that the port is open.
until curl -fs -o /dev/null --max-time 2 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$URL/"; do
  (( $(date +%s) < deadline )) || die "signed ListBuckets never succeeded on $URL"
  sleep 0.1
done
ts "S3 ready"

umask 077
cat > "$RUN_DIR/env" <<EOF
S3_ENDPOINT=$URL
S3_ACCESS_KEY=$S3_ACCESS_KEY
S3_SECRET_KEY=$S3_SECRET_KEY
S3_REGION=us-east-1
RUN_DIR=$RUN_DIR
EOF
# `current` is only a default for humans running stop.sh / status.sh by hand.
mkdir -p "$WORM_BASE" && ln -sfn "$RUN_DIR" "$WORM_BASE/current"

# Watchdog: a cluster whose owner died would otherwise run until the machine reboots. It ends by
# itself when stop.sh has run (empty pids file).
if [[ -n "${WORM_OWNER_PID:-}" ]]; then
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [[ -s "$2/pids" ]]; do sleep 2; done
    [[ -s "$2/pids" ]] && "$3" "$2"' worm-watchdog "$WORM_OWNER_PID" "$RUN_DIR" "$HERE/stop.sh" \
    </dev/null >>"$RUN_DIR/log/watchdog.log" 2>&1 &
fi
cat "$RUN_DIR/env"
