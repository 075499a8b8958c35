/*
 * The floor: what the probe's system calls cost on this machine, with nothing else around them. One TCP handshake
 * to each of N loopback targets in turn, at a given rate, closed at the next wake-up, as the exporter's engine does:
 * socket, connect, epoll_wait until the next probe, getsockopt (SO_ERROR, TCP_INFO), close.
 * Usage: floor PORT TARGETS PROBES_PER_SECOND SECONDS; prints the CPU time per 1,000 probes in milliseconds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: floor PORT TARGETS PROBES_PER_SECOND SECONDS\n");
        return 2;
    }
    int port = atoi(argv[1]), targets = atoi(argv[2]);
    double rate = atof(argv[3]), seconds = atof(argv[4]);
    int probes = (int)(rate * seconds), wait = (int)(1000 / rate), epoll = epoll_create1(0), previous = -1;
    struct epoll_event event;
    for (int i = 0; i < probes; i++) {
        epoll_wait(epoll, &event, 1, wait);
        if (previous >= 0) {
            int error = 0;
            struct tcp_info info;
            socklen_t length = sizeof error;
            getsockopt(previous, SOL_SOCKET, SO_ERROR, &error, &length);
            length = sizeof info;
            getsockopt(previous, IPPROTO_TCP, TCP_INFO, &info, &length);
            close(previous);
        }
        int target = i % targets;
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
        address.sin_addr.s_addr = htonl((127u << 24) | ((unsigned)(target / 250 / 250) << 16) | ((unsigned)(target / 250 % 250) << 8) | (unsigned)(target % 250 + 1));
        previous = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(previous, (struct sockaddr *)&address, sizeof address);
    }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    printf("%.1f\n", cpu / probes * 1e6);
    return 0;
}
