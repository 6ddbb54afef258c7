// A light far end for bench/media-load.bench.ts (BENCH_PHONES=c): one UDP socket that sends a 20 ms
// PCMU frame to every engine port every 20 ms (spread over 4 × 5 ms slots, sendmmsg batches) and
// counts what comes back (recvmmsg), with per-port sequence-gap loss. Built by the bench with
//   gcc -O2 -o rtp-phones rtp-phones.c -lm
// Protocol: engine ports on stdin, one per line, then an empty line; prints "ready <local port>";
// on SIGTERM or SIGINT prints one JSON line of counters and exits.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 8192
#define BATCH 64
#define SLOTS 4

static volatile sig_atomic_t stop = 0;
static void on_signal(int sig) { (void)sig; stop = 1; }

static uint16_t ports[MAX_PORTS];
static uint16_t seqs[MAX_PORTS];
static int32_t last_seq[65536];
static uint64_t lost_total = 0, received = 0, sent = 0, send_errors = 0;

static unsigned char linear_to_ulaw(int sample) {
  const int BIAS = 0x84, CLIP = 32635;
  int sign = (sample >> 8) & 0x80;
  if (sign) sample = -sample;
  if (sample > CLIP) sample = CLIP;
  sample += BIAS;
  int exponent = 7;
  for (int mask = 0x4000; (sample & mask) == 0 && exponent > 0; exponent--, mask >>= 1) {}
  int mantissa = (sample >> (exponent + 3)) & 0x0f;
  return (unsigned char)~(sign | (exponent << 4) | mantissa);
}

int main(void) {
  int n = 0;
  char line[64];
  while (fgets(line, sizeof line, stdin) && line[0] != '\n' && n < MAX_PORTS) ports[n++] = (uint16_t)atoi(line);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  for (int i = 0; i < 65536; i++) last_seq[i] = -1;

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int big = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("bind"); return 1; }
  socklen_t len = sizeof local;
  getsockname(fd, (struct sockaddr *)&local, &len);
  printf("ready %d\n", ntohs(local.sin_port));
  fflush(stdout);

  unsigned char tone[160];
  for (int i = 0; i < 160; i++) tone[i] = linear_to_ulaw((int)(6000 * sin(2 * M_PI * 440 * i / 8000.0)));

  static unsigned char out[BATCH][172];
  static struct sockaddr_in to[BATCH];
  static struct iovec out_iov[BATCH];
  static struct mmsghdr out_msgs[BATCH];
  static unsigned char in[BATCH][1500];
  static struct sockaddr_in from[BATCH];
  static struct iovec in_iov[BATCH];
  static struct mmsghdr in_msgs[BATCH];
  for (int i = 0; i < BATCH; i++) {
    out_iov[i].iov_base = out[i];
    out_iov[i].iov_len = 172;
    out_msgs[i].msg_hdr.msg_iov = &out_iov[i];
    out_msgs[i].msg_hdr.msg_iovlen = 1;
    out_msgs[i].msg_hdr.msg_name = &to[i];
    out_msgs[i].msg_hdr.msg_namelen = sizeof to[i];
    in_iov[i].iov_base = in[i];
    in_iov[i].iov_len = sizeof in[i];
    in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
    in_msgs[i].msg_hdr.msg_iovlen = 1;
    in_msgs[i].msg_hdr.msg_name = &from[i];
    in_msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }

  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  uint32_t frame = 0;
  int slot = 0;
  while (!stop) {
    // Send this slot's share of the ports.
    int batch = 0;
    for (int p = slot; p < n; p += SLOTS) {
      unsigned char *b = out[batch];
      b[0] = 0x80;
      b[1] = 0;
      uint16_t s = seqs[p]++;
      b[2] = s >> 8;
      b[3] = s & 0xff;
      uint32_t ts = frame * 160;
      b[4] = ts >> 24; b[5] = ts >> 16; b[6] = ts >> 8; b[7] = ts;
      uint32_t ssrc = 0x10000 + p;
      b[8] = ssrc >> 24; b[9] = ssrc >> 16; b[10] = ssrc >> 8; b[11] = ssrc;
      memcpy(b + 12, tone, 160);
      to[batch].sin_family = AF_INET;
      to[batch].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      to[batch].sin_port = htons(ports[p]);
      if (++batch == BATCH || p + SLOTS >= n) {
        int done = sendmmsg(fd, out_msgs, batch, 0);
        if (done > 0) sent += done;
        if (done < batch) send_errors += batch - (done > 0 ? done : 0);
        batch = 0;
      }
    }
    if (++slot == SLOTS) { slot = 0; frame++; }
    // Receive everything waiting.
    for (;;) {
      for (int i = 0; i < BATCH; i++) in_msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      int got = recvmmsg(fd, in_msgs, BATCH, MSG_DONTWAIT, NULL);
      if (got <= 0) break;
      for (int i = 0; i < got; i++) {
        if (in_msgs[i].msg_len < 12) continue;
        received++;
        uint16_t port = ntohs(from[i].sin_port);
        int seq = (in[i][2] << 8) | in[i][3];
        if (last_seq[port] >= 0) {
          int gap = (seq - last_seq[port] - 1) & 0xffff;
          if (gap > 0 && gap < 3000) lost_total += gap;
        }
        last_seq[port] = seq;
      }
    }
    next.tv_nsec += 5000000;
    if (next.tv_nsec >= 1000000000) { next.tv_nsec -= 1000000000; next.tv_sec++; }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !stop) {}
  }
  printf("{\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"sendErrors\":%llu}\n", (unsigned long long)sent, (unsigned long long)received,
         (unsigned long long)lost_total, (unsigned long long)send_errors);
  fflush(stdout);
  return 0;
}
