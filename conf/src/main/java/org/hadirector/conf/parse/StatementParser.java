package org.hadirector.conf.parse;

import java.util.ArrayList;
import java.util.List;

import org.hadirector.conf.Diagnostics;

/**
 * Builds the statement tree from lines. A statement is a keyword and the words after it up to the
 * end of its line, a '{' or a '}'; so {@code virtual_ipaddress { 10.0.0.1 }} holds one statement,
 * exactly as keepalived reads it. A '{' at the start of a line opens the block of the statement
 * on the line before.
 */
public final class StatementParser {
    private final List<List<Token>> lines;
    private final Diagnostics diagnostics;
    private int line;
    private int pos;

    private StatementParser(List<List<Token>> lines, Diagnostics diagnostics) {
        this.lines = lines;
        this.diagnostics = diagnostics;
    }

    public static List<Statement> parse(List<SourceLine> source, Diagnostics diagnostics) {
        List<List<Token>> lines = new ArrayList<>(source.size());
        for (SourceLine l : source) {
            List<Token> t = Lexer.tokenize(l, diagnostics);
            if (!t.isEmpty()) {
                lines.add(t);
            }
        }
        StatementParser p = new StatementParser(lines, diagnostics);
        List<Statement> top = new ArrayList<>();
        while (true) {
            p.block(top, null);
            if (p.atEnd()) {
                return top;
            }
            // A stray '}' at top level: report it and go on, so later errors are found too.
            Token stray = p.peek();
            p.pos++;
            diagnostics.error(stray.location(), "unbalanced braces: '}' closes no open block");
        }
    }

    private boolean atEnd() {
        return line >= lines.size();
    }

    private Token peek() {
        return lines.get(line).get(pos);
    }

    private boolean atLineEnd() {
        return pos >= lines.get(line).size();
    }

    private void advanceLineIfDone() {
        while (!atEnd() && atLineEnd()) {
            line++;
            pos = 0;
        }
    }

    /**
     * Reads statements into {@code into} until a '}' (consumed when {@code opener} is non-null;
     * left in place at top level) or the end of input.
     */
    private void block(List<Statement> into, Statement opener) {
        while (true) {
            advanceLineIfDone();
            if (atEnd()) {
                if (opener != null) {
                    diagnostics.error(opener.location(), "unbalanced braces: block '" + opener.name()
                            + (opener.args().isEmpty() ? "" : " " + String.join(" ", opener.argTexts()))
                            + "' opened here is never closed; add the missing '}'");
                }
                return;
            }
            Token t = peek();
            if (t.isClose()) {
                if (opener != null) {
                    pos++;
                }
                return;
            }
            if (t.isOpen()) {
                pos++;
                diagnostics.error(t.location(), "'{' with no keyword before it");
                List<Statement> ignored = new ArrayList<>();
                block(ignored, new Statement(t, List.of(), ignored));
                continue;
            }
            into.add(statement());
        }
    }

    private Statement statement() {
        Token keyword = peek();
        pos++;
        int keywordLine = line;
        List<Token> args = new ArrayList<>();
        while (!atLineEnd() && !peek().isOpen() && !peek().isClose()) {
            args.add(peek());
            pos++;
        }
        boolean open = !atLineEnd() && peek().isOpen();
        if (!open && atLineEnd() && line + 1 < lines.size() && lines.get(line + 1).get(0).isOpen()) {
            line++;
            pos = 0;
            open = true;
        }
        if (!open) {
            return new Statement(keyword, List.copyOf(args), null);
        }
        pos++;
        List<Statement> children = new ArrayList<>();
        Statement opener = new Statement(keyword, List.copyOf(args), children);
        block(children, opener);
        assert line >= keywordLine;
        return new Statement(keyword, List.copyOf(args), List.copyOf(children));
    }
}
