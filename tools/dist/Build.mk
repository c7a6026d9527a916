# tools/dist/: what `make install` puts on a system: the programs, their man pages
# (generated from each program's own --help, and payflowd.json(5) from
# docs/CONFIG.md, by tools/dist/mkman.py, so they cannot drift), an example config
# and the systemd unit. PREFIX and DESTDIR are honoured.
PREFIX     ?= /usr/local
DESTDIR    ?=
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system

MAN_PAGES := $(BUILD)/man/payflow.1 $(BUILD)/man/payflowctl.8 $(BUILD)/man/payflowd.8 \
	     $(BUILD)/man/payflowd.json.5
PAYFLOW_CMDS := menu buy status extend upgrade resume watch keygen

all: $(MAN_PAGES)

$(BUILD)/man/payflowd.8 $(BUILD)/man/payflowctl.8: $(BUILD)/man/%.8: $(BUILD)/% tools/dist/mkman.py
	@mkdir -p $(@D)
	$(BUILD)/$* --help >$@.txt
	python3 tools/dist/mkman.py help $* 8 $@.txt >$@
	@rm -f $@.txt

$(BUILD)/man/payflow.1: $(BUILD)/payflow tools/dist/mkman.py
	@mkdir -p $(@D)
	$(BUILD)/payflow --help >$@.txt
	for c in $(PAYFLOW_CMDS); do $(BUILD)/payflow $$c --help >$@.$$c.txt || exit 1; done
	python3 tools/dist/mkman.py help payflow 1 $@.txt $(foreach c,$(PAYFLOW_CMDS),$@.$(c).txt) >$@
	@rm -f $@.txt $@.*.txt

$(BUILD)/man/payflowd.json.5: docs/CONFIG.md tools/dist/mkman.py
	@mkdir -p $(@D)
	python3 tools/dist/mkman.py md payflowd.json 5 docs/CONFIG.md >$@

.PHONY: install
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/payflow $(foreach s,1 5 8,$(DESTDIR)$(MANDIR)/man$(s))
	install -m 0755 $(BUILD)/payflow $(DESTDIR)$(BINDIR)/payflow
	install -m 0755 $(BUILD)/payflowd $(BUILD)/payflowctl $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(BUILD)/man/payflow.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/payflowd.json.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(BUILD)/man/payflowd.8 $(BUILD)/man/payflowctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 tools/payflowd.example.json $(DESTDIR)$(SYSCONFDIR)/payflow/payflowd.json.example
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		tools/dist/payflowd.service.in >$(DESTDIR)$(UNITDIR)/payflowd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/payflowd.service
