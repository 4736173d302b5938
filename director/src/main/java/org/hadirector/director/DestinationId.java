package org.hadirector.director;

import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/** A real server in one virtual service: what a drain and a table operation's reason are about. */
record DestinationId(ServiceId service, RealServerId server) {}
