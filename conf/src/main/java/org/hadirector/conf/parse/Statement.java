package org.hadirector.conf.parse;

import java.util.List;
import org.hadirector.conf.Location;

/**
 * {@code keyword arg arg ... [{ children }]}. {@code block} is null when the statement has no
 * block, and empty for {@code keyword { }}.
 */
public record Statement(Token keyword, List<Token> args, List<Statement> block) {

    public String name() {
        return keyword.text();
    }

    public Location location() {
        return keyword.location();
    }

    public boolean hasBlock() {
        return block != null;
    }

    /** The words after the keyword, as text. */
    public List<String> argTexts() {
        return args.stream().map(Token::text).toList();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(keyword.text());
        for (Token a : args) {
            sb.append(' ').append(a.text());
        }
        if (block != null) {
            sb.append(" {");
            for (Statement s : block) {
                sb.append(' ').append(s).append(';');
            }
            sb.append(" }");
        }
        return sb.toString();
    }
}
