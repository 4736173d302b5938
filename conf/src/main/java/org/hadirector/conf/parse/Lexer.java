package org.hadirector.conf.parse;

import java.util.List;
import org.hadirector.conf.Diagnostics;

/**
 * Splits a line into words as keepalived does: white space separates, {@code "..."} and
 * {@code '...'} keep white space and may be glued to unquoted text, escapes work inside quotes,
 * and an unquoted brace is always a token of its own ({@code VI_1{} is {@code VI_1 {}).
 */
public final class Lexer {
    private Lexer() {}

    /** Tokens of one line; {@code words} shares equal short words across a load, {@code scratch} is reused. */
    static List<Token> tokenize(SourceLine line, Diagnostics diagnostics, WordTable words, List<Token> scratch) {
        String s = line.text();
        String file = line.location().file();
        int lineNo = line.location().line();
        List<Token> out = scratch;
        out.clear();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            if (c == '{' || c == '}') {
                out.add(new Token(c == '{' ? "{" : "}", false, file, lineNo, line.column0() + i + 1));
                i++;
                continue;
            }
            // Fast path: a plain word (no quotes) is a substring; most words are plain.
            int end = i;
            while (end < n) {
                char ch = s.charAt(end);
                if (Character.isWhitespace(ch) || ch == '{' || ch == '}' || ch == '"' || ch == '\'') {
                    break;
                }
                end++;
            }
            if (end == n || s.charAt(end) != '"' && s.charAt(end) != '\'') {
                out.add(new Token(words.word(s, i, end), false, file, lineNo, line.column0() + start + 1));
                i = end;
                continue;
            }
            StringBuilder word = new StringBuilder();
            boolean quoted = false;
            while (i < n) {
                c = s.charAt(i);
                if (Character.isWhitespace(c) || c == '{' || c == '}') {
                    break;
                }
                if (c == '"' || c == '\'') {
                    quoted = true;
                    int close = readQuoted(s, i + 1, c, word);
                    if (close < 0) {
                        diagnostics.error(
                                line.location().atColumn(line.column0() + i + 1),
                                "unterminated quoted string; add the closing " + c);
                        i = n;
                        break;
                    }
                    i = close + 1;
                    continue;
                }
                word.append(c);
                i++;
            }
            out.add(new Token(words.word(word.toString()), quoted, file, lineNo, line.column0() + start + 1));
        }
        return List.copyOf(out);
    }

    /** Appends the body of a quoted string starting at {@code from}; returns the closing quote's index or -1. */
    private static int readQuoted(String s, int from, char quote, StringBuilder out) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == quote) {
                return i;
            }
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                i++;
                continue;
            }
            char e = s.charAt(++i);
            i++;
            switch (e) {
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'E' -> out.append('\u001b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'c' -> {
                    if (i < s.length()) {
                        out.append((char) (Character.toUpperCase(s.charAt(i)) ^ 0x40));
                        i++;
                    }
                }
                case 'x' -> {
                    int v = 0;
                    int digits = 0;
                    while (i < s.length() && digits < 2 && Character.digit(s.charAt(i), 16) >= 0) {
                        v = v * 16 + Character.digit(s.charAt(i), 16);
                        i++;
                        digits++;
                    }
                    out.append(digits == 0 ? 'x' : (char) v);
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        int digits = 1;
                        while (i < s.length() && digits < 3 && s.charAt(i) >= '0' && s.charAt(i) <= '7') {
                            v = v * 8 + (s.charAt(i) - '0');
                            i++;
                            digits++;
                        }
                        out.append((char) (v & 0xff));
                    } else {
                        out.append(e);
                    }
                }
            }
        }
        return -1;
    }

    /** Removes one level of surrounding quotes from a word taken from a raw line (include names). */
    static String unquote(String w) {
        if (w.length() >= 2 && (w.charAt(0) == '"' || w.charAt(0) == '\'') && w.charAt(w.length() - 1) == w.charAt(0)) {
            return w.substring(1, w.length() - 1);
        }
        return w;
    }
}
