/*
 * kafka_mock - run librdkafka's mock Kafka cluster for the tests.
 *
 *   kafka_mock [-n brokers] [-t topic:partitions] ...
 *
 * Starts an in-process cluster of mock brokers listening on loopback,
 * creates the topics, prints one line "host:port,..." (the bootstrap
 * servers) on stdout and serves until stdin reaches end of file or a
 * SIGINT/SIGTERM arrives.  Clients - kcat -P, kcat -C -G - speak the real
 * Kafka protocol to it: producing, consumer groups with rebalances and
 * committed offsets.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(void)
{
	fputs("usage: kafka_mock [-n brokers] [-t topic:partitions] ...\n",
	      stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	char errstr[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	int brokers = 1, ch;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while ((ch = getopt(argc, argv, "n:t:")) != -1) {
		if (ch == 'n')
			brokers = atoi(optarg);
		else if (ch != 't')
			usage();
	}
	if (brokers < 1)
		usage();
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "kafka_mock: %s\n", errstr);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		fprintf(stderr, "kafka_mock: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (mc == NULL) {
		fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
		return 1;
	}
	optind = 1;
	while ((ch = getopt(argc, argv, "n:t:")) != -1) {
		char *colon;
		int parts = 1;

		if (ch != 't')
			continue;
		colon = strchr(optarg, ':');
		if (colon) {
			*colon = '\0';
			parts = atoi(colon + 1);
		}
		if (rd_kafka_mock_topic_create(mc, optarg, parts, 1) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "kafka_mock: cannot create topic %s\n",
				optarg);
			return 1;
		}
	}
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = {.fd = 0, .events = POLLIN};
		char b[256];

		if (poll(&pfd, 1, 200) > 0 && read(0, b, sizeof(b)) <= 0)
			break;
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
