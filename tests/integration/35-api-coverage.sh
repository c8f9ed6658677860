#!/bin/bash
# Every field a client can send is applied or refused (issue 11): each field
# docs/api-coverage.md lists as refused, set to a value that means something,
# fails with 400 naming it and creates (or updates) nothing; the docker CLI flags users
# try first fail with exit 125 through both clients; what docker CLI 28 sends
# for a plain run is accepted.
. "$(dirname "$0")/lib.sh"
suite_begin api-coverage
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"
DOC=$ROOT/docs/api-coverage.md

# post PATH BODY: the status line's code, then the body, into STATUS and BODY
post() {
    local out
    out=$(api -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d "$2" "http://x$1")
    STATUS=${out##*$'\n'}
    BODY=${out%$'\n'*}
}

# One line per refused field: ROUTE<TAB>FIELD<TAB>a body that sets it. FIELD
# is the doc's name for it; the message must name it.
C='{"Image":"busybox","Cmd":["true"],'
M='"Mounts":[{"Type":"volume","Target":"/v",'
E='"NetworkingConfig":{"EndpointsConfig":{"bridge":'
cases=$(cat <<EOF
create	Config.NetworkDisabled	${C}"NetworkDisabled":true}
create	Config.OnBuild	${C}"OnBuild":["RUN true"]}
create	Config.Shell	${C}"Shell":["/bin/sh","-c"]}
create	HostConfig.VolumeDriver	${C}"HostConfig":{"VolumeDriver":"nfs"}}
create	HostConfig.VolumesFrom	${C}"HostConfig":{"VolumesFrom":["web"]}}
create	HostConfig.Annotations	${C}"HostConfig":{"Annotations":{"a":"b"}}}
create	HostConfig.CgroupnsMode	${C}"HostConfig":{"CgroupnsMode":"host"}}
create	HostConfig.Cgroup	${C}"HostConfig":{"Cgroup":"container:web"}}
create	HostConfig.StorageOpt	${C}"HostConfig":{"StorageOpt":{"size":"1G"}}}
create	HostConfig.UsernsMode	${C}"HostConfig":{"UsernsMode":"private"}}
create	HostConfig.Runtime	${C}"HostConfig":{"Runtime":"runc"}}
create	HostConfig.Isolation	${C}"HostConfig":{"Isolation":"hyperv"}}
create	HostConfig.Mounts.Type	${C}"HostConfig":{"Mounts":[{"Type":"image","Source":"busybox","Target":"/y"}]}}
create	HostConfig.Mounts.ImageOptions	${C}"HostConfig":{${M}"ImageOptions":{"Subpath":"x"}}]}}
create	HostConfig.Mounts.ClusterOptions	${C}"HostConfig":{${M}"ClusterOptions":{"x":1}}]}}
create	HostConfig.MaskedPaths	${C}"HostConfig":{"MaskedPaths":["/proc/kcore"]}}
create	HostConfig.ReadonlyPaths	${C}"HostConfig":{"ReadonlyPaths":["/proc/sys"]}}
create	HostConfig.CgroupParent	${C}"HostConfig":{"CgroupParent":"elsewhere"}}
create	HostConfig.BlkioWeight	${C}"HostConfig":{"BlkioWeight":100}}
create	HostConfig.BlkioWeightDevice	${C}"HostConfig":{"BlkioWeightDevice":[{"Path":"/dev/null","Weight":100}]}}
create	HostConfig.BlkioDeviceReadBps	${C}"HostConfig":{"BlkioDeviceReadBps":[{"Path":"/dev/null","Rate":1}]}}
create	HostConfig.BlkioDeviceWriteBps	${C}"HostConfig":{"BlkioDeviceWriteBps":[{"Path":"/dev/null","Rate":1}]}}
create	HostConfig.BlkioDeviceReadIOps	${C}"HostConfig":{"BlkioDeviceReadIOps":[{"Path":"/dev/null","Rate":1}]}}
create	HostConfig.BlkioDeviceWriteIOps	${C}"HostConfig":{"BlkioDeviceWriteIOps":[{"Path":"/dev/null","Rate":1}]}}
create	HostConfig.CpuPeriod	${C}"HostConfig":{"CpuPeriod":100000}}
create	HostConfig.CpuQuota	${C}"HostConfig":{"CpuQuota":50000}}
create	HostConfig.CpuRealtimePeriod	${C}"HostConfig":{"CpuRealtimePeriod":1000000}}
create	HostConfig.CpuRealtimeRuntime	${C}"HostConfig":{"CpuRealtimeRuntime":1000}}
create	HostConfig.CpusetCpus	${C}"HostConfig":{"CpusetCpus":"0"}}
create	HostConfig.CpusetMems	${C}"HostConfig":{"CpusetMems":"0"}}
create	HostConfig.DeviceRequests	${C}"HostConfig":{"DeviceRequests":[{"Count":-1,"Capabilities":[["gpu"]]}]}}
create	HostConfig.KernelMemoryTCP	${C}"HostConfig":{"KernelMemoryTCP":1048576}}
create	HostConfig.MemoryReservation	${C}"HostConfig":{"MemoryReservation":10485760}}
create	HostConfig.MemorySwappiness	${C}"HostConfig":{"MemorySwappiness":10}}
create	HostConfig.OomKillDisable	${C}"HostConfig":{"OomKillDisable":true}}
create	HostConfig.CpuCount	${C}"HostConfig":{"CpuCount":1}}
create	HostConfig.CpuPercent	${C}"HostConfig":{"CpuPercent":50}}
create	HostConfig.IOMaximumIOps	${C}"HostConfig":{"IOMaximumIOps":100}}
create	HostConfig.IOMaximumBandwidth	${C}"HostConfig":{"IOMaximumBandwidth":1048576}}
create	NetworkingConfig.EndpointsConfig.IPAMConfig.IPv6Address	${C}${E}{"IPAMConfig":{"IPv6Address":"fd00::2"}}}}}
create	NetworkingConfig.EndpointsConfig.IPAMConfig.LinkLocalIPs	${C}${E}{"IPAMConfig":{"LinkLocalIPs":["169.254.0.9"]}}}}}
create	NetworkingConfig.EndpointsConfig.Links	${C}${E}{"Links":["web:w"]}}}}
create	NetworkingConfig.EndpointsConfig.DriverOpts	${C}${E}{"DriverOpts":{"a":"b"}}}}}
create	NetworkingConfig.EndpointsConfig.GwPriority	${C}${E}{"GwPriority":1}}}}
network	Scope	{"Name":"NET","Scope":"swarm"}
network	EnableIPv4	{"Name":"NET","EnableIPv4":false}
network	EnableIPv6	{"Name":"NET","EnableIPv6":true}
network	IPAM.Options	{"Name":"NET","IPAM":{"Options":{"a":"b"}}}
network	IPAM.Config.IPRange	{"Name":"NET","IPAM":{"Config":[{"Subnet":"10.251.0.0/16","IPRange":"10.251.1.0/24"}]}}
network	IPAM.Config.AuxiliaryAddresses	{"Name":"NET","IPAM":{"Config":[{"Subnet":"10.251.0.0/16","AuxiliaryAddresses":{"a":"10.251.0.9"}}]}}
network	Ingress	{"Name":"NET","Ingress":true}
network	ConfigOnly	{"Name":"NET","ConfigOnly":true}
network	ConfigFrom	{"Name":"NET","ConfigFrom":{"Network":"other"}}
network	Options	{"Name":"NET","Options":{"com.docker.network.driver.mtu":"9000"}}
update	CgroupParent	{"CgroupParent":"elsewhere"}
update	BlkioWeight	{"BlkioWeight":100}
update	BlkioWeightDevice	{"BlkioWeightDevice":[{"Path":"/dev/null","Weight":100}]}
update	BlkioDeviceReadBps	{"BlkioDeviceReadBps":[{"Path":"/dev/null","Rate":1}]}
update	BlkioDeviceWriteBps	{"BlkioDeviceWriteBps":[{"Path":"/dev/null","Rate":1}]}
update	BlkioDeviceReadIOps	{"BlkioDeviceReadIOps":[{"Path":"/dev/null","Rate":1}]}
update	BlkioDeviceWriteIOps	{"BlkioDeviceWriteIOps":[{"Path":"/dev/null","Rate":1}]}
update	CpuPeriod	{"CpuPeriod":100000}
update	CpuQuota	{"CpuQuota":50000}
update	CpuRealtimePeriod	{"CpuRealtimePeriod":1000000}
update	CpuRealtimeRuntime	{"CpuRealtimeRuntime":1000}
update	CpusetCpus	{"CpusetCpus":"0"}
update	CpusetMems	{"CpusetMems":"0"}
update	Devices	{"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/null","CgroupPermissions":"rwm"}]}
update	DeviceCgroupRules	{"DeviceCgroupRules":["c 1:3 rwm"]}
update	DeviceRequests	{"DeviceRequests":[{"Count":-1,"Capabilities":[["gpu"]]}]}
update	KernelMemoryTCP	{"KernelMemoryTCP":1048576}
update	MemoryReservation	{"MemoryReservation":10485760}
update	MemorySwappiness	{"MemorySwappiness":10}
update	OomKillDisable	{"OomKillDisable":true}
update	Ulimits	{"Ulimits":[{"Name":"nofile","Soft":10,"Hard":10}]}
update	CpuCount	{"CpuCount":1}
update	CpuPercent	{"CpuPercent":50}
update	IOMaximumIOps	{"IOMaximumIOps":100}
update	IOMaximumBandwidth	{"IOMaximumBandwidth":1048576}
connect	EndpointConfig.IPAMConfig.IPv6Address	{"Container":"CTR","EndpointConfig":{"IPAMConfig":{"IPv6Address":"fd00::2"}}}
connect	EndpointConfig.IPAMConfig.LinkLocalIPs	{"Container":"CTR","EndpointConfig":{"IPAMConfig":{"LinkLocalIPs":["169.254.0.9"]}}}
connect	EndpointConfig.Links	{"Container":"CTR","EndpointConfig":{"Links":["web:w"]}}
connect	EndpointConfig.DriverOpts	{"Container":"CTR","EndpointConfig":{"DriverOpts":{"a":"b"}}}
connect	EndpointConfig.GwPriority	{"Container":"CTR","EndpointConfig":{"GwPriority":1}}
EOF
)

# The list above covers every field the doc says can be refused, so a field
# flipped to refused in the table without a test here fails.
doc_refused() { # SECTION-ROUTE: the refusable fields of that section of the doc
    awk -v r="$1" '/^## /{on = index($0, r) > 0} on && /^\| `/ && $0 ~ /\| (refused|applied for the values listed, others refused|applied, the values listed refused) \|/' "$DOC" |
        sed -E 's/^\| `([^`]*)`.*/\1/' | sort
}
for pair in "create:POST /containers/create (" "update:POST /containers/{id}/update (" "network:POST /networks/create (" "connect:POST /networks/{id}/connect ("; do
    kind=${pair%%:*} route=${pair#*:}
    want=$(doc_refused "$route")
    have=$(awk -F'\t' -v k="$kind" '$1 == k {print $2}' <<<"$cases" | sort)
    expect_eq "every refusable field of ${route% (} has a refusal test" "$want" "$have"
done
for route in "POST /containers/{id}/exec (" "POST /exec/{id}/start (" "POST /networks/{id}/disconnect ("; do
    expect_eq "${route% (} refuses nothing" "" "$(doc_refused "$route")"
done

md network create "cov-$TAG" >/dev/null && ok "a network to connect to" || not_ok "network create"
md create --name cov-ctr busybox true >/dev/null && ok "a container to connect" || not_ok "create cov-ctr"
nets_before=$(md network ls -q | sort)
n=0
while IFS=$'\t' read -r kind field body; do
    n=$((n + 1))
    case $kind in
    create) post "/containers/create?name=cov-$n" "$body" ;;
    network) post /networks/create "${body/NET/cov-new-$TAG}" ;;
    connect) post "/networks/cov-$TAG/connect" "${body/CTR/cov-ctr}" ;;
    update) post /containers/cov-ctr/update "$body" ;;
    esac
    msg=$(jq -r .message <<<"$BODY" 2>/dev/null)
    if [ "$STATUS" = 400 ] && [[ "$msg" == "minidock does not support $field"* ]]; then
        ok "$kind $field: 400 naming it"
    else
        not_ok "$kind $field: 400 naming it"; echo "    got $STATUS $BODY"
    fi
done <<<"$cases"
expect_eq "no refused create left a container" "/cov-ctr" "$(md ps -a --format '{{.Names}}' | sed 's|^|/|')"
expect_eq "no refused network create left a network" "$nets_before" "$(md network ls -q | sort)"
expect_eq "no refused connect attached the container" "bridge" \
    "$(md inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' cov-ctr | xargs)"
expect_eq "no refused update changed the container" '{"CpuPeriod":0,"CpusetCpus":"","Ulimits":[]}' \
    "$(md inspect -f '{{json .HostConfig}}' cov-ctr | jq -c '{CpuPeriod, CpusetCpus, Ulimits}')"
md rm cov-ctr >/dev/null
md network rm "cov-$TAG" >/dev/null

# What users type first. Each fails before anything is made, exit 125 as
# docker's own refusals do, with the field in the message.
flags=$(cat <<'EOF'
--cgroupns host	HostConfig.CgroupnsMode=host
--storage-opt size=1G	HostConfig.StorageOpt
--runtime runc	HostConfig.Runtime
--volumes-from web	HostConfig.VolumesFrom
EOF
)
# minidock's own client has none of these flags yet: it refuses them as
# unknown, before any request.
scenario() {
    local c=$CLI flag field want
    while IFS=$'\t' read -r flag field; do
        want="minidock does not support $field"
        [ "$c" = md ] && want="unknown flag: ${flag%% *}"
        # shellcheck disable=SC2086 # the flag and its value are two words
        expect_rc "$c run $flag: exit 125" 125 $c run --rm $flag busybox true
        expect_match "$c run $flag: says $want" "$want\$" "$(head -n1 <<<"$OUT")"
    done <<<"$flags"
    expect_eq "$c: nothing was created" "" "$($c ps -a -q)"
    expect_eq "$c: a plain run still works" "hi" "$($c run --rm busybox echo hi 2>&1)"
}
run_both scenario

# Everything docker CLI 28 sends for `docker create --name x busybox true`,
# captured from the logging fake (fake/fake.py).
post "/containers/create?name=cli28" "$(cat "$ROOT/tests/integration/api-coverage/docker-cli-28-run.json")"
expect_eq "docker CLI 28's whole plain-run body: 201" "201" "$STATUS"
md rm cli28 >/dev/null 2>&1
suite_end
