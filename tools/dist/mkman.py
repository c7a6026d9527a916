#!/usr/bin/env python3
"""Man pages from the one source each already has, so they cannot drift:

  mkman.py help NAME SECTION MAIN.txt [SUB.txt...]   a program's --help text
      (NAME, SYNOPSIS, ... sections, 4-space indented), and its commands'
      own --help manuals (SUB.txt) as subsections
  mkman.py md NAME SECTION FILE.md                   a Markdown document
      (docs/CONFIG.md for payflowd.json(5))

Writes roff (man macros) on stdout.
"""
import re
import sys

HEADER = re.compile(r'^[A-Z][A-Z0-9 ()/-]*$')


def esc(text):
    text = text.replace('\\', '\\e')
    return '\\&' + text if text.startswith(('.', "'")) else text


def th(name, section):
    return ['.TH %s %s "" "PayFlow" "PayFlow manual"' % (name.upper(), section)]


def sections(lines):
    """(header, [body lines, dedented by 4]) in order."""
    out = []
    for line in lines:
        if HEADER.match(line):
            out.append((line, []))
        elif out:
            out[-1][1].append(line[4:] if line.startswith('    ') else line)
    for _, body in out:
        while body and not body[-1].strip():
            body.pop()
    return out


def name_line(body):
    return esc(' '.join(l.strip() for l in body)).replace(' - ', ' \\- ', 1)


def help_page(name, section, main, subs):
    out = th(name, section)
    for head, body in sections(main):
        out.append('.SH ' + head)
        if head == 'NAME':
            out.append(name_line(body))
            continue
        out += ['.nf'] + [esc(l) for l in body] + ['.fi']
    for sub in subs:
        parts = sections(sub)
        title = name_line(dict(parts).get('NAME', ['?'])).split(' \\- ')[0]
        out.append('.SH "%s"' % title.upper())
        for head, body in parts:
            if head == 'NAME':
                out.append(name_line(body))
                continue
            out += ['.SS ' + head, '.nf'] + [esc(l) for l in body] + ['.fi']
    return out


def inline(text):
    text = esc(text)
    text = re.sub(r'`([^`]*)`', r'\\fB\1\\fR', text)
    return re.sub(r'\*\*([^*]*)\*\*', r'\\fB\1\\fR', text)


def md_page(name, section, lines):
    out = th(name, section)
    out += ['.SH NAME', '%s \\- the configuration file of payflowd(8)' % name]
    code = False
    for i, line in enumerate(lines):
        if line.startswith('# ') or is_header_row(lines, i):
            continue
        if line.startswith('## ') or line.startswith('### '):
            code = code and out.append('.fi') and False
            out.append(('.SH ' if line.startswith('## ') else '.SS ') +
                       inline(line.lstrip('#').strip()))
        elif line.startswith('    ') or (code and not line.strip()):
            if not code:
                out.append('.nf')
                code = True
            out.append(esc(line[4:]))
        elif code:
            out.append('.fi')
            code = False
            out += md_line(line)
        else:
            out += md_line(line)
    if code:
        out.append('.fi')
    return out


def is_header_row(lines, i):
    """A table's first row: the next line is its |---| separator."""
    return (lines[i].startswith('|') and i + 1 < len(lines) and
            re.fullmatch(r'\|[\s:|-]+\|', lines[i + 1].strip()) is not None)


def md_line(line):
    if not line.strip():
        return ['.PP']
    if line.startswith('|'):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if all(re.fullmatch(r':?-+:?', c) for c in cells):
            return []
        return ['.TP', inline(cells[0]), ' \\(em '.join(inline(c) for c in cells[1:])]
    if re.match(r'^\s*[-*] ', line):
        return ['.IP \\(bu 2', inline(re.sub(r'^\s*[-*] ', '', line))]
    return [inline(line.strip())]


def main(argv):
    mode, name, section = argv[1:4]
    files = [open(f).read().splitlines() for f in argv[4:]]
    page = help_page(name, section, files[0], files[1:]) if mode == 'help' \
        else md_page(name, section, files[0])
    sys.stdout.write('\n'.join(page) + '\n')


if __name__ == '__main__':
    main(sys.argv)
