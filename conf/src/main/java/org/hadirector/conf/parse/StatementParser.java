package org.hadirector.conf.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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

    /** Collects the tokens of each line as the preprocessor produces it; nothing else is kept. */
    public static final class LineSink implements java.util.function.Consumer<SourceLine> {
        private final List<List<Token>> lines = new ArrayList<>();
        private final WordTable words = new WordTable();
        private final List<Token> scratch = new ArrayList<>();
        private final Diagnostics diagnostics;

        public LineSink(Diagnostics diagnostics) {
            this.diagnostics = diagnostics;
        }

        @Override
        public void accept(SourceLine l) {
            List<Token> t = Lexer.tokenize(l, diagnostics, words, scratch);
            if (!t.isEmpty()) {
                lines.add(t);
            }
        }

        public List<Statement> parse() {
            List<Statement> top = new ArrayList<>();
            parse(top::add);
            return top;
        }

        /** Hands each top-level statement over as soon as it is complete, keeping none. */
        public void parse(Consumer<Statement> topLevel) {
            StatementParser.parseTokens(lines, diagnostics, topLevel);
        }
    }

    public static List<Statement> parse(List<SourceLine> source, Diagnostics diagnostics) {
        LineSink sink = new LineSink(diagnostics);
        source.forEach(sink);
        return sink.parse();
    }

    static void parseTokens(List<List<Token>> lines, Diagnostics diagnostics, Consumer<Statement> top) {
        StatementParser p = new StatementParser(lines, diagnostics);
        while (true) {
            p.block(top, null);
            if (p.atEnd()) {
                return;
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
            lines.set(line, List.of()); // the statements hold what they need; let the rest go
            line++;
            pos = 0;
        }
    }

    /**
     * Reads statements into {@code into} until a '}' (consumed when {@code opener} is non-null;
     * left in place at top level) or the end of input.
     */
    private void block(Consumer<Statement> into, Statement opener) {
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
                block(ignored::add, new Statement(t, List.of(), ignored));
                continue;
            }
            into.accept(statement());
        }
    }

    private Statement statement() {
        Token keyword = peek();
        pos++;
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
        List<Token> argList = List.copyOf(args);
        List<Statement> children = new ArrayList<>();
        block(children::add, new Statement(keyword, argList, children));
        return new Statement(keyword, argList, List.copyOf(children));
    }
}
