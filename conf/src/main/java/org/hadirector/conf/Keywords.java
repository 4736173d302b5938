package org.hadirector.conf;

import java.util.Map;
import java.util.Set;

/** Legacy spellings, and keywords keepalived knows that hadirector accepts without acting on them. */
final class Keywords {
    private Keywords() {}

    /** Legacy aliases still in wide use, mapped to today's keyword. */
    static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("lb_algo", "lvs_sched"),
            Map.entry("lb_kind", "lvs_method"),
            Map.entry("nb_get_retry", "retry"),
            Map.entry("sorry_server_lb_kind", "sorry_server_lvs_method"),
            Map.entry("mcast_src_ip", "unicast_src_ip"),
            Map.entry("no_preempt", "nopreempt"),
            Map.entry("vrrp_track_file", "track_file"),
            Map.entry("bind_to", "bindto"));

    static String canonical(String keyword) {
        return ALIASES.getOrDefault(keyword, keyword);
    }

    /** global_defs keywords of keepalived that concern features hadirector does not have. */
    static final Set<String> GLOBAL_UNSUPPORTED = Set.of(
            "net_namespace",
            "net_namespace_ipvs",
            "namespace_with_ipsets",
            "instance",
            "use_pid_dir",
            "linkbeat_use_polling",
            "child_wait_time",
            "tmp_config_directory",
            "config_save_dir",
            "process_names",
            "process_name",
            "vrrp_process_name",
            "checker_process_name",
            "bfd_process_name",
            "startup_script",
            "startup_script_timeout",
            "shutdown_script",
            "shutdown_script_timeout",
            "dynamic_interfaces",
            "disable_local_igmp",
            "vrrp_iptables",
            "vrrp_ipsets",
            "nftables",
            "nftables_priority",
            "nftables_ifindex",
            "nftables_counters",
            "nftables_ipvs",
            "nftables_ipvs_priority",
            "nftables_ipvs_start_fwmark",
            "vrrp_garp_extra_if",
            "vrrp_garp_extra_if_vmac",
            "vrrp_notify_priority_changes",
            "vrrp_priority",
            "checker_priority",
            "bfd_priority",
            "vrrp_no_swap",
            "checker_no_swap",
            "bfd_no_swap",
            "vrrp_rt_priority",
            "checker_rt_priority",
            "bfd_rt_priority",
            "vrrp_rlimit_rttime",
            "checker_rlimit_rttime",
            "bfd_rlimit_rttime",
            "vrrp_cpu_affinity",
            "checker_cpu_affinity",
            "bfd_cpu_affinity",
            "snmp_socket",
            "enable_snmp_vrrp",
            "enable_snmp_keepalived",
            "enable_snmp_checker",
            "enable_snmp_rfc",
            "enable_snmp_rfcv2",
            "enable_snmp_rfcv3",
            "enable_traps",
            "enable_dbus",
            "dbus_service_name",
            "vmac_addr_prefix",
            "vrrp_rx_bufs_policy",
            "vrrp_rx_bufs_multiplier",
            "vrrp_netlink_cmd_rcv_bufs",
            "vrrp_netlink_cmd_rcv_bufs_force",
            "vrrp_netlink_monitor_rcv_bufs",
            "vrrp_netlink_monitor_rcv_bufs_force",
            "lvs_netlink_cmd_rcv_bufs",
            "lvs_netlink_cmd_rcv_bufs_force",
            "lvs_netlink_monitor_rcv_bufs",
            "lvs_netlink_monitor_rcv_bufs_force",
            "process_monitor_rcv_bufs",
            "process_monitor_rcv_bufs_force",
            "rs_init_notifies",
            "umask",
            "random_seed",
            "reload_check_config",
            "reload_time_file",
            "reload_repeat",
            "reload_file",
            "data_use_instance",
            "log_unknown_vrids",
            "fifo_write_vrrp_states_on_reload",
            "min_auto_priority_delay",
            "vrrp_startup_delay_ms",
            "include_check");

    /** Top-level blocks hadirector does not implement. */
    static final Set<String> TOP_UNSUPPORTED = Set.of(
            "linkbeat_interfaces",
            "static_track_group",
            "bfd_instance",
            "net_namespace",
            "net_namespace_ipvs",
            "namespace_with_ipsets",
            "instance",
            "use_pid_dir",
            "linkbeat_use_polling",
            "child_wait_time",
            "interface_up_down_delays");

    /** vrrp_instance keywords accepted and ignored with a warning. */
    static final Set<String> INSTANCE_UNSUPPORTED = Set.of(
            "use_ipvlan",
            "native_ipv6",
            "vrf",
            "garp_extra_if",
            "garp_extra_if_vmac",
            "debug",
            "kernel_rx_buf_size",
            "linkbeat_use_polling",
            "track_bfd",
            "old_unicast_checksum_never",
            "notify_deleted");
}
