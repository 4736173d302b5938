package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hadirector.conf.model.KeepalivedConfig;
import org.junit.jupiter.api.Test;

/** The one table of what is parsed and not built: every entry is found in a file that uses it, and documented. */
class UnbuiltTest {

    /** One file using every unbuilt feature once. */
    private static final String EVERYTHING = """
            track_file tf {
                file /tmp/hadirector-unbuilt-test
            }
            static_ipaddress {
                198.18.0.200/32 dev lo
            }
            vrrp_sync_group G {
                group {
                    VI_1
                }
                track_interface {
                    lo
                }
            }
            vrrp_instance VI_1 {
                interface lo
                virtual_router_id 1
                priority 100
                version 2
                authentication {
                    auth_type AH
                    auth_pass secret
                }
                use_vmac vmac1 02:00:00:00:00:01
                use_vmac_addr
                no_accept
                virtual_ipaddress {
                    198.18.0.100 use_vmac
                }
                virtual_routes {
                    198.18.0.0/24 dev lo
                }
                unicast_src_ip 198.18.0.11
                unicast_peer {
                    198.18.0.12 min_ttl 250
                    198.18.0.13
                }
            }
            vrrp_instance VI_2 {
                virtual_router_id 2
                priority 100
                strict_mode
                unicast_peer {
                    198.18.0.14
                }
                virtual_ipaddress {
                    198.18.0.101
                }
            }
            virtual_server_group VSG {
                198.18.0.102 80
            }
            virtual_server group VSG {
                protocol TCP
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                        bind_if lo
                        fwmark 3
                    }
                }
            }
            virtual_server 198.18.0.100 80 {
                protocol TCP
                real_server 198.18.0.22 80 {
                    UDP_CHECK {
                    }
                    PING_CHECK {
                    }
                    BFD_CHECK {
                        name b
                    }
                }
            }
            """;

    @Test
    void aFileUsingEveryUnbuiltFeatureIsRefusedForEachOnceAndByName() throws Exception {
        ConfigLoader.Result r = ConfigLoader.loadString("t.conf", EVERYTHING, Corpus.root(), Corpus.options("x"));
        KeepalivedConfig c = r.config();
        List<Unbuilt.Use> uses = Unbuilt.in(c);
        assertEquals(
                EnumSet.allOf(Unbuilt.class),
                uses.stream()
                        .map(Unbuilt.Use::feature)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Unbuilt.class))),
                uses.toString());
        assertEquals(Unbuilt.values().length, uses.size(), uses.toString());
        assertTrue(uses.contains(new Unbuilt.Use(Unbuilt.VMAC_ADDRESS, "vrrp_instance VI_1")), uses.toString());
        // where the readers see them, they warn with the same words
        Set<String> warned = r.warnings().stream().map(Object::toString).collect(Collectors.toSet());
        for (Unbuilt u : List.of(
                Unbuilt.AUTH_AH,
                Unbuilt.VMAC_ADDRESS,
                Unbuilt.USE_VMAC_ADDR,
                Unbuilt.VIP_USE_VMAC,
                Unbuilt.BFD_CHECK)) {
            assertTrue(warned.stream().anyMatch(w -> w.endsWith(u.warning())), u + " in " + warned);
        }
    }

    @Test
    void theCompatibilityPageListsEveryEntryWordForWord() throws Exception {
        String page = Files.readString(Path.of("..", "docs", "keepalived-compat.md"));
        for (Unbuilt u : Unbuilt.values()) {
            String row = "| " + u.part().name().toLowerCase(java.util.Locale.ROOT) + " | " + u.keyword() + " | "
                    + u.reason() + " |";
            assertTrue(page.contains(row), "docs/keepalived-compat.md lacks the row " + row);
        }
    }

    @Test
    void aSyncGroupTrackingAProcessIsRefusedLikeItsOtherTrackers() throws Exception {
        String text = """
                vrrp_track_process p {
                    process nginx
                }
                vrrp_sync_group G {
                    group {
                        VI_1
                    }
                    track_process {
                        p
                    }
                }
                vrrp_instance VI_1 {
                    interface lo
                    virtual_router_id 1
                    virtual_ipaddress {
                        198.18.0.100
                    }
                    track_process {
                        p weight -10
                    }
                }
                """;
        ConfigLoader.Result r = ConfigLoader.loadString("g.conf", text, Corpus.root(), Corpus.options("x"));
        assertEquals(
                List.of(new Unbuilt.Use(Unbuilt.SYNC_GROUP_TRACKING, "vrrp_sync_group G")), Unbuilt.in(r.config()));
    }
}
