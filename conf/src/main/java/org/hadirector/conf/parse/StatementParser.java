package org.hadirector.conf.parse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.hadirector.conf.Diagnostics;

/**
 * Builds statements from lines as the preprocessor produces them. A statement is a keyword and
 * the words after it up to the end of its line, a '{' or a '}'; so
 * {@code virtual_ipaddress { 10.0.0.1 }} holds one statement, exactly as keepalived reads it.
 * A '{' at the start of a line opens the block of the statement on the line before.
 *
 * <p>The parser is pushed one line at a time and hands each top-level statement on as soon as it
 * is complete, so a large file never exists whole as tokens or as a tree.
 */
public final class StatementParser implements Consumer<SourceLine> {

    /** A block being read: its statement's keyword and arguments, and the children so far. */
    private static final class Open {
        final Token keyword;
        final List<Token> args;
        final List<Statement> children = new ArrayList<>();
        /** A '{' with no keyword: read to keep the braces balanced, then dropped. */
        final boolean orphan;

        Open(Token keyword, List<Token> args, boolean orphan) {
            this.keyword = keyword;
            this.args = args;
            this.orphan = orphan;
        }

        Statement close() {
            return new Statement(keyword, args, List.copyOf(children));
        }
    }

    private final Diagnostics diagnostics;
    private final Consumer<Statement> topLevel;
    private final WordTable words = new WordTable();
    private final List<Token> scratch = new ArrayList<>();
    private final Deque<Open> open = new ArrayDeque<>();
    /** A statement that ended with its line: a '{' first on the next line still opens its block. */
    private Token pendingKeyword;

    private List<Token> pendingArgs;

    public StatementParser(Diagnostics diagnostics, Consumer<Statement> topLevel) {
        this.diagnostics = diagnostics;
        this.topLevel = topLevel;
    }

    /** Parses a whole list of lines; for tests and small inputs. */
    public static List<Statement> parse(List<SourceLine> source, Diagnostics diagnostics) {
        List<Statement> top = new ArrayList<>();
        StatementParser p = new StatementParser(diagnostics, top::add);
        source.forEach(p);
        p.finish();
        return top;
    }

    @Override
    public void accept(SourceLine line) {
        List<Token> t = Lexer.tokenize(line, diagnostics, words, scratch);
        int n = t.size();
        if (n == 0) {
            return;
        }
        int i = 0;
        if (pendingKeyword != null) {
            if (t.get(0).isOpen()) {
                open.push(new Open(pendingKeyword, pendingArgs, false));
                i = 1;
            } else {
                add(new Statement(pendingKeyword, pendingArgs, null));
            }
            pendingKeyword = null;
            pendingArgs = null;
        }
        while (i < n) {
            Token k = t.get(i);
            if (k.isClose()) {
                closeBlock(k);
                i++;
                continue;
            }
            if (k.isOpen()) {
                diagnostics.error(k.location(), "'{' with no keyword before it");
                open.push(new Open(k, List.of(), true));
                i++;
                continue;
            }
            int j = i + 1;
            while (j < n && !t.get(j).isOpen() && !t.get(j).isClose()) {
                j++;
            }
            List<Token> args = List.copyOf(t.subList(i + 1, j));
            if (j < n && t.get(j).isOpen()) {
                open.push(new Open(k, args, false));
                j++;
            } else if (j < n) {
                add(new Statement(k, args, null));
            } else {
                pendingKeyword = k;
                pendingArgs = args;
            }
            i = j;
        }
    }

    /** Ends the input: the last statement, and an error for every block still open. */
    public void finish() {
        if (pendingKeyword != null) {
            add(new Statement(pendingKeyword, pendingArgs, null));
            pendingKeyword = null;
        }
        while (!open.isEmpty()) {
            Open o = open.pop();
            if (!o.orphan) {
                diagnostics.error(
                        o.keyword.location(),
                        "unbalanced braces: block '" + o.keyword.text()
                                + (o.args.isEmpty()
                                        ? ""
                                        : " "
                                                + String.join(
                                                        " ",
                                                        o.args.stream()
                                                                .map(Token::text)
                                                                .toList()))
                                + "' opened here is never closed; add the missing '}'");
            }
            Statement s = o.close();
            if (!o.orphan) {
                add(s);
            }
        }
    }

    private void closeBlock(Token brace) {
        Open o = open.poll();
        if (o == null) {
            diagnostics.error(brace.location(), "unbalanced braces: '}' closes no open block");
            return;
        }
        if (!o.orphan) {
            add(o.close());
        }
    }

    private void add(Statement s) {
        Open parent = open.peek();
        if (parent == null) {
            topLevel.accept(s);
        } else {
            parent.children.add(s);
        }
    }
}
