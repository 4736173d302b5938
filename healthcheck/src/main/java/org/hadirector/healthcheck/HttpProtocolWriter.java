package org.hadirector.healthcheck;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Gives an HTTP_GET request the request line and Connection header of keepalived's
 * http_protocol (check_http.c's request template): 1.0 is "HTTP/1.0" without Connection,
 * 1.0C "HTTP/1.0" with "Connection: close", 1.1 "HTTP/1.1" with "Connection: close".
 * async-http-client writes every request as HTTP/1.1 and has no option for the version, so this
 * handler sits at the tail of its pipeline (its channel initializer) and sets the version on the
 * request object before netty's encoder writes it: the bytes on the wire are a real HTTP/1.0
 * request. The checker asks for it per request with the {@link #MARKER} header, which never
 * leaves the director; a request without it is left as it is (genhash's).
 */
@ChannelHandler.Sharable
final class HttpProtocolWriter extends ChannelOutboundHandlerAdapter {
    static final String MARKER = "x-hadirector-http-protocol";
    static final HttpProtocolWriter INSTANCE = new HttpProtocolWriter();

    private HttpProtocolWriter() {}

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpRequest r) {
            apply(r);
        }
        ctx.write(msg, promise);
    }

    static void apply(HttpRequest r) {
        String p = r.headers().get(MARKER);
        if (p == null) {
            return;
        }
        r.headers().remove(MARKER);
        if (p.equals("1.0")) {
            r.setProtocolVersion(HttpVersion.HTTP_1_0);
            r.headers().remove(HttpHeaderNames.CONNECTION);
        } else {
            r.setProtocolVersion(p.equals("1.0C") ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }
}
