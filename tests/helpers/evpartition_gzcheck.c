/*
 * evpartition_gzcheck - checks the files an evpartition lake holds, for
 * tests/evpartition.bats: one process for a whole lake instead of a few
 * per file.
 *
 *   evpartition_gzcheck FILE...
 *
 * A FILE ending in ".gz" must be exactly one gzip member (zlib checks its
 * CRC-32 and length; nothing may follow it); any other FILE is read as it
 * is.  The content of each must be empty or end in a newline.  The
 * contents are written, in order, to the standard output (for a JSON
 * check by jq).  On the first failure: "FILE: reason" on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static int
bad(const char *file, const char *why)
{
	fprintf(stderr, "%s: %s\n", file, why);
	return 1;
}

static int
emit(const unsigned char *p, size_t n, unsigned char *last)
{
	if (n == 0)
		return 0;
	*last = p[n - 1];
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

static int
check(const char *file)
{
	static unsigned char in[1 << 16], out[1 << 16];
	size_t len = strlen(file);
	int gz = len > 3 && strcmp(file + len - 3, ".gz") == 0;
	unsigned char last = '\n';
	int fd = open(file, O_RDONLY), r = Z_OK, ended = 0;
	z_stream zs;
	ssize_t n;

	if (fd < 0)
		return bad(file, strerror(errno));
	memset(&zs, 0, sizeof(zs));
	if (gz && inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
		close(fd);
		return bad(file, "inflateInit2 failed");
	}
	while ((n = read(fd, in, sizeof(in))) > 0) {
		if (!gz) {
			if (emit(in, (size_t)n, &last) < 0)
				return bad(file, "write error");
			continue;
		}
		if (ended) {
			close(fd);
			inflateEnd(&zs);
			return bad(file, "data after the gzip member");
		}
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		while (zs.avail_in > 0 && !ended) {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			r = inflate(&zs, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END) {
				close(fd);
				inflateEnd(&zs);
				return bad(file, zs.msg ? zs.msg : "corrupt");
			}
			if (emit(out, sizeof(out) - zs.avail_out, &last) < 0)
				return bad(file, "write error");
			if (r == Z_STREAM_END)
				ended = 1;
		}
		if (ended && zs.avail_in > 0) {
			close(fd);
			inflateEnd(&zs);
			return bad(file, "data after the gzip member");
		}
	}
	close(fd);
	if (gz) {
		/* Output still held by zlib after the last input. */
		while (!ended) {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			r = inflate(&zs, Z_NO_FLUSH);
			if (emit(out, sizeof(out) - zs.avail_out, &last) < 0)
				return bad(file, "write error");
			if (r == Z_STREAM_END)
				ended = 1;
			else if (r != Z_OK || zs.avail_out == sizeof(out))
				break;
		}
		inflateEnd(&zs);
		if (!ended)
			return bad(file, "truncated gzip member");
	}
	if (n < 0)
		return bad(file, strerror(errno));
	if (last != '\n')
		return bad(file, "does not end in a newline");
	return 0;
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (check(argv[i]) != 0)
			return 1;
	return fflush(stdout) == 0 ? 0 : 1;
}
