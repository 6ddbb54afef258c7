#!/usr/bin/env bash
# Starts a single-node KRaft Kafka broker (controller + broker in one JVM) on 127.0.0.1.
# Artifacts come from Maven Central once and are cached under .cache/kafka.
#   KAFKA_PORT (default 19092), KAFKA_CONTROLLER_PORT (default 19093), KAFKA_DATA_DIR, KAFKA_HEAP (default 512m)
# Prints the bootstrap address (host:port) on the last line; exits non-zero if the broker did not come up.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")"
port="${KAFKA_PORT:-19092}"
cport="${KAFKA_CONTROLLER_PORT:-19093}"
cache="${KAFKA_CACHE_DIR:-$root/.cache/kafka/$version}"
data="${KAFKA_DATA_DIR:-$root/.data/kafka-$port}"
heap="${KAFKA_HEAP:-512m}"
log="$data/broker.log"
pidfile="$data/broker.pid"

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  bash "$here/../wait-for.sh" kafka "127.0.0.1:$port" 60 >&2
  echo "127.0.0.1:$port"
  exit 0
fi

if [ ! -f "$cache/.complete" ]; then
  echo "kafka: fetching kafka_2.13 $version from Maven Central into $cache" >&2
  mkdir -p "$cache/lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache/lib" >&2
  touch "$cache/.complete"
fi

mkdir -p "$data/logs"
props="$data/server.properties"
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data/logs
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS

cat > "$data/log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
L4J

# StorageTool logs through log4j2 directly: give it a configuration too.
cat > "$data/log4j2.properties" <<'L4J2'
status = warn
appender.console.type = Console
appender.console.name = STDERR
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = STDERR
L4J2

cp_arg="$cache/lib/*"
if [ ! -f "$data/logs/meta.properties" ]; then
  cluster_id="$(java -cp "$cp_arg" -Dlog4j.configuration="file:$data/log4j.properties" -Dlog4j2.configurationFile="file:$data/log4j2.properties" kafka.tools.StorageTool random-uuid | tail -n 1)"
  java -cp "$cp_arg" -Dlog4j.configuration="file:$data/log4j.properties" -Dlog4j2.configurationFile="file:$data/log4j2.properties" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$props" >&2
fi

nohup java "-Xmx$heap" "-Xms$heap" -XX:+UseG1GC -Djava.awt.headless=true \
  -Dlog4j.configuration="file:$data/log4j.properties" \
  -cp "$cp_arg" kafka.Kafka "$props" >"$log" 2>&1 &
echo $! > "$pidfile"
if ! bash "$here/../wait-for.sh" kafka "127.0.0.1:$port" 90 >&2; then
  tail -n 40 "$log" >&2
  exit 1
fi
echo "127.0.0.1:$port"
