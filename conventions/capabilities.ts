/**
 * Linux capabilities, as the components grant them and the policies check them.
 */

/**
 * Docker's default capabilities but CHOWN (moby `oci/caps/defaults.go`): what the one root step that
 * chowns a fresh volume drops, so it keeps CHOWN alone (ECS Fargate adds none of its own but
 * SYS_PTRACE).
 */
export const DEFAULT_CAPABILITIES_BUT_CHOWN = [
    "AUDIT_WRITE",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
] as const;
