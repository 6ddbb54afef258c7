// The agents' media for bench/voice-load.bench.ts: one UDP socket that echoes every RTP packet back
// to its sender (so each bridged call has audio both ways) and measures, per sending port (one voice
// agent leg each), what arrives:
//   - loss: expected (extended highest sequence number - first + 1) minus received, per RFC 3550 A.3;
//   - lateness: with the kernel's receive timestamp (SO_TIMESTAMPNS; on loopback that is the
//     instant voice sent the packet), d = arrival - RTP timestamp / 8 kHz; a packet's lateness is d
//     minus the smallest d of its stream, i.e. how late it was sent against that stream's 20 ms
//     schedule (0 = exactly on time). The distribution over every packet of every stream is printed.
// Built by the bench with `gcc -O2 -o rtp-echo-probe rtp-echo-probe.c`.
// Usage: rtp-echo-probe <port>   (binds 127.0.0.1:<port>; prints "ready <port>")
// On SIGTERM or SIGINT prints one JSON line of figures and exits.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SAMPLES (64u * 1024u * 1024u)

static volatile sig_atomic_t stop = 0;
static void on_signal(int sig) { (void)sig; stop = 1; }

typedef struct {
  int active;
  uint32_t ssrc;
  uint32_t base_seq;
  uint32_t max_seq;
  uint32_t cycles;
  uint64_t received;
  uint64_t first_ns;
  uint32_t first_ts;
  double min_d;
  uint32_t segment; // index of this stream's current segment (a new SSRC starts a new one)
} stream_t;

static stream_t streams[65536];
static uint64_t total_received = 0, echoed = 0, echo_errors = 0, not_rtp = 0, no_timestamp = 0, ssrc_changes = 0;
static uint64_t lost_total = 0, expected_total = 0, streams_seen = 0;

// Samples: d per packet, with the segment it belongs to (to subtract that segment's minimum later).
static float *sample_d;
static uint32_t *sample_seg;
static uint32_t samples = 0;
static uint64_t samples_dropped = 0;
static double *segment_min;
static uint32_t segments = 0, segment_capacity = 0;

static uint32_t new_segment(void) {
  if (segments == segment_capacity) {
    segment_capacity = segment_capacity ? segment_capacity * 2 : 4096;
    segment_min = realloc(segment_min, segment_capacity * sizeof *segment_min);
    if (!segment_min) { perror("realloc"); exit(1); }
  }
  segment_min[segments] = 1e300;
  return segments++;
}

static void close_stream(stream_t *s) {
  if (!s->active) return;
  uint64_t expected = (uint64_t)s->cycles + s->max_seq - s->base_seq + 1;
  expected_total += expected;
  if (expected > s->received) lost_total += expected - s->received;
  s->active = 0;
}

static void on_packet(uint16_t port, const unsigned char *b, size_t len, uint64_t arrival_ns) {
  // Not RTP, or RTCP (packet types 200-204 put 72-76 where RTP has its payload type).
  if (len < 12 || (b[0] >> 6) != 2 || ((b[1] & 0x7f) >= 72 && (b[1] & 0x7f) <= 76)) { not_rtp++; return; }
  uint32_t seq = ((uint32_t)b[2] << 8) | b[3];
  uint32_t ts = ((uint32_t)b[4] << 24) | ((uint32_t)b[5] << 16) | ((uint32_t)b[6] << 8) | b[7];
  uint32_t ssrc = ((uint32_t)b[8] << 24) | ((uint32_t)b[9] << 16) | ((uint32_t)b[10] << 8) | b[11];
  stream_t *s = &streams[port];
  if (s->active && s->ssrc != ssrc) {
    ssrc_changes++;
    close_stream(s);
  }
  if (!s->active) {
    s->active = 1;
    s->ssrc = ssrc;
    s->base_seq = seq;
    s->max_seq = seq;
    s->cycles = 0;
    s->received = 0;
    s->first_ns = arrival_ns;
    s->first_ts = ts;
    s->segment = new_segment();
    streams_seen++;
  } else {
    uint32_t udelta = (seq - s->max_seq) & 0xffff;
    if (udelta < 3000) {
      if (seq < s->max_seq) s->cycles += 65536;
      s->max_seq = seq;
    }
  }
  s->received++;
  total_received++;
  if (arrival_ns == 0) { no_timestamp++; return; }
  // Signed difference of RTP timestamps (wraps after 2^31 samples = 3 days at 8 kHz).
  double schedule_ms = (double)(int32_t)(ts - s->first_ts) / 8.0;
  double d = (double)(int64_t)(arrival_ns - s->first_ns) / 1e6 - schedule_ms;
  if (d < segment_min[s->segment]) segment_min[s->segment] = d;
  if (samples < MAX_SAMPLES) {
    sample_d[samples] = (float)d;
    sample_seg[samples] = s->segment;
    samples++;
  } else {
    samples_dropped++;
  }
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static double pct(const float *sorted, uint32_t n, double p) {
  if (n == 0) return -1;
  uint64_t i = (uint64_t)(p / 100.0 * n);
  if (i >= n) i = n - 1;
  return sorted[i];
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: rtp-echo-probe <port>\n"); return 2; }
  int port = atoi(argv[1]);
  if (port <= 0 || port > 65535) { fprintf(stderr, "rtp-echo-probe: bad port %s\n", argv[1]); return 2; }
  sample_d = malloc(MAX_SAMPLES * sizeof *sample_d);
  sample_seg = malloc(MAX_SAMPLES * sizeof *sample_seg);
  if (!sample_d || !sample_seg) { perror("malloc"); return 1; }
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) { perror("socket"); return 1; }
  int big = 4 << 20; // capped by net.core.rmem_max / wmem_max without root
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) { perror("SO_TIMESTAMPNS"); return 1; }
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons((uint16_t)port)};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("bind"); return 1; }
  int rcvbuf = 0;
  socklen_t optlen = sizeof rcvbuf;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen);
  printf("ready %d\n", port);
  fflush(stdout);

  static unsigned char in[BATCH][2048];
  static struct sockaddr_in from[BATCH];
  static struct iovec iov[BATCH];
  static struct mmsghdr msgs[BATCH];
  static char control[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  static struct iovec out_iov[BATCH];
  static struct mmsghdr out[BATCH];
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = in[i];
    iov[i].iov_len = sizeof in[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    out[i].msg_hdr.msg_iov = &out_iov[i];
    out[i].msg_hdr.msg_iovlen = 1;
    out[i].msg_hdr.msg_name = &from[i];
    out[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  while (!stop) {
    if (poll(&pfd, 1, 100) <= 0) continue;
    for (;;) {
      for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
      }
      int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      if (got <= 0) break;
      for (int i = 0; i < got; i++) {
        uint64_t arrival = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec t;
            memcpy(&t, CMSG_DATA(c), sizeof t);
            arrival = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
          }
        }
        on_packet(ntohs(from[i].sin_port), in[i], msgs[i].msg_len, arrival);
        out_iov[i].iov_base = in[i];
        out_iov[i].iov_len = msgs[i].msg_len;
      }
      int sent = 0;
      while (sent < got) {
        int n = sendmmsg(fd, out + sent, (unsigned)(got - sent), 0);
        if (n <= 0) {
          if (n < 0 && errno == EINTR) continue;
          echo_errors += (uint64_t)(got - sent);
          break;
        }
        sent += n;
        echoed += (uint64_t)n;
      }
      if (got < BATCH) break;
    }
  }

  for (int p = 0; p < 65536; p++) close_stream(&streams[p]);
  float *late = malloc((samples ? samples : 1) * sizeof *late);
  if (!late) { perror("malloc"); return 1; }
  for (uint32_t i = 0; i < samples; i++) late[i] = (float)(sample_d[i] - segment_min[sample_seg[i]]);
  qsort(late, samples, sizeof *late, cmp_float);
  printf("{\"streams\":%llu,\"ssrcChanges\":%llu,\"received\":%llu,\"expected\":%llu,\"lost\":%llu,\"echoed\":%llu,\"echoErrors\":%llu,"
         "\"notRtp\":%llu,\"noTimestamp\":%llu,\"samples\":%u,\"samplesDropped\":%llu,\"rcvbufBytes\":%d,"
         "\"lateMsP50\":%.3f,\"lateMsP90\":%.3f,\"lateMsP99\":%.3f,\"lateMsP999\":%.3f,\"lateMsMax\":%.3f}\n",
         (unsigned long long)streams_seen, (unsigned long long)ssrc_changes, (unsigned long long)total_received, (unsigned long long)expected_total,
         (unsigned long long)lost_total, (unsigned long long)echoed, (unsigned long long)echo_errors, (unsigned long long)not_rtp,
         (unsigned long long)no_timestamp, samples, (unsigned long long)samples_dropped, rcvbuf, pct(late, samples, 50), pct(late, samples, 90),
         pct(late, samples, 99), pct(late, samples, 99.9), samples ? late[samples - 1] : -1.0);
  fflush(stdout);
  return 0;
}
