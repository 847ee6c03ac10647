# evtools - one non-recursive GNU makefile.
#
#   make            build every tool into build/bin
#   make check      install missing packages, build, run every test
#   make demo       install missing packages, build, run the sample pipeline
#   make asan       build with AddressSanitizer+UBSan and run every test
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS
#   make bench      benchmarks against jq, Miller, DuckDB, sqlite3, psql
#   make lint       mandoc -Tlint, shellcheck, clang-format --dry-run
#   make fmt        clang-format the C sources in place
#   make install    PREFIX, DESTDIR, MANPREFIX as usual

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANPREFIX ?= $(PREFIX)/share/man

CC       ?= cc
CFLAGS   ?= -O2 -g
BUILD    ?= build

WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wvla -Wundef -Wwrite-strings \
	-Wno-unused-parameter
override CFLAGS   += -std=c11 -fno-strict-aliasing $(WARNINGS)
override CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Icommon \
	-I/usr/include/postgresql -DEV_VERSION=\"$(VERSION)\" -MMD -MP

LIBS = -lyajl -lyaml -lz -lm
# Per-tool extra libraries.
evload_LIBS = -lsqlite3 -lpq

TOOLS    := $(notdir $(wildcard cmd/*))
BINS     := $(TOOLS:%=$(BUILD)/bin/%)
LIB      := $(BUILD)/libev.a
LIB_SRC  := $(wildcard common/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/t_*.c)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPERS  := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)

all: $(BINS) $(UNITS) $(HELPERS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# Every .c file under cmd/TOOL/ belongs to that tool.
define tool_rule
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cmd/$(1)/*.c)) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS) $$(LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# A unit test tests/unit/t_TOOL_NAME.c of a tool's internals also links the
# tool's objects except cmd/TOOL/TOOL.c, which holds main().
unit_tool = $(word 2,$(subst _, ,$(1)))
unit_objs = $(if $(wildcard cmd/$(call unit_tool,$(1))/*.c),$(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out cmd/$(call unit_tool,$(1))/$(call unit_tool,$(1)).c,$(wildcard cmd/$(call unit_tool,$(1))/*.c))))
define unit_rule
$(BUILD)/unit/$(1): $(BUILD)/obj/tests/unit/$(1).o $(call unit_objs,$(1)) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(LDFLAGS) -o $$@ $$^ $$($(call unit_tool,$(1))_LIBS) $$(LIBS)
endef
$(foreach u,$(UNIT_SRC:tests/unit/%.c=%),$(eval $(call unit_rule,$(u))))

# Test helpers (a Kafka mock cluster, fault injectors) link what they need.
helpers_kafka_mock_LIBS = -lrdkafka
$(BUILD)/helpers/%: $(BUILD)/obj/tests/helpers/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(helpers_$*_LIBS) $(LIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

deps:
	@scripts/install-deps

# The test suite runs the binaries in EV_BIN (default build/bin).  Test
# files run BATS_JOBS at a time (GNU parallel); the tests of one file run
# in order.
BATS_FLAGS ?=
BATS_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
BATS_RUN = bats $(if $(filter-out 0 1,$(BATS_JOBS)),--jobs $(BATS_JOBS) \
	--no-parallelize-within-files) $(BATS_FLAGS)
check: deps
	@$(MAKE) --no-print-directory all
	EV_BUILD=$(abspath $(BUILD)) $(BATS_RUN) tests/

ASAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(ASAN_FLAGS) $(EXTRA_CFLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" all
	EV_BUILD=$(abspath build/asan) EV_SANITIZER=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
		$(BATS_RUN) tests/

# libFuzzer targets: tests/fuzz/fuzz_*.c, each linked with the library
# sources compiled by clang.
FUZZ_SECONDS ?= 30
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
	-D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Icommon -I/usr/include/postgresql \
	-DEV_VERSION=\"$(VERSION)\"
build/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard common/*.h cmd/*/*.c cmd/*/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(LIBS)
fuzz-build: $(FUZZERS)
fuzz: deps fuzz-build
	@for f in $(FUZZERS); do \
		n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=0 \
			build/fuzz/corpus-$$n tests/fuzz/corpus/$$n 2>build/fuzz/$$n.log \
			|| { tail -40 build/fuzz/$$n.log; exit 1; }; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench $(BENCH_ARGS)

MAN := $(wildcard man/*.[157])
SHELL_SCRIPTS := $(wildcard scripts/install-deps scripts/bench scripts/demo \
	scripts/bench.d/*.sh scripts/pipelines/* scripts/cron/*.sh .ci/run \
	tests/test_helper/*.bash)
C_SOURCES = $(wildcard common/*.[ch] cmd/*/*.[ch] tests/unit/*.[ch] \
	tests/fuzz/*.c tests/helpers/*.c)
lint:
	mandoc -Tlint -W warning $(MAN)
	shellcheck -x -s bash $(SHELL_SCRIPTS)
	clang-format --dry-run -Werror $(C_SOURCES)

fmt:
	clang-format -i $(C_SOURCES)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
		$(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in $(MAN); do \
		s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANPREFIX)/man$$s/; \
	done

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(notdir $(MAN)); do s=$${m##*.}; rm -f $(DESTDIR)$(MANPREFIX)/man$$s/$$m; done

clean:
	rm -rf build

.PHONY: all deps check asan fuzz fuzz-build demo bench lint fmt install \
	uninstall clean
