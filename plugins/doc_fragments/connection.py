# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options: the same names, aliases and environment variables as vmware.vmware.
    DOCUMENTATION = r"""
options:
  hostname:
    description:
      - The vCenter or ESXi host name or IP address to connect to.
      - If not set, the value of the E(VMWARE_HOST) environment variable is used.
    type: str
  username:
    description:
      - The user name to log in with.
      - If not set, the value of the E(VMWARE_USER) environment variable is used.
    type: str
    aliases: [admin, user]
  password:
    description:
      - The password of O(username).
      - If not set, the value of the E(VMWARE_PASSWORD) environment variable is used.
    type: str
    aliases: [pass, pwd]
  port:
    description:
      - The HTTPS port of vCenter or ESXi.
      - If not set, the value of the E(VMWARE_PORT) environment variable is used.
    type: int
    default: 443
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(hostname).
      - Set to V(false) only for labs and self-signed certificates you trust.
      - If not set, the value of the E(VMWARE_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  proxy_protocol:
    description:
      - The protocol of the HTTP proxy (kept for compatibility with vmware.vmware).
    type: str
    choices: [https, http]
    default: https
    aliases: [protocol]
  proxy_host:
    description:
      - An HTTP proxy to reach O(hostname) through.
      - If not set, the value of the E(VMWARE_PROXY_HOST) environment variable is used.
    type: str
  proxy_port:
    description:
      - The port of O(proxy_host).
      - If not set, the value of the E(VMWARE_PROXY_PORT) environment variable is used.
    type: int
  timeout:
    description:
      - Seconds to wait for vCenter to accept the connection and for each answer (the socket
        timeout of every call). A vCenter that does not answer in time fails the host cleanly; a
        remediation interrupted this way keeps its change record in vCenter for recovery.
      - If not set, the value of the E(VMWARE_TIMEOUT) environment variable is used.
    type: int
    default: 120
requirements:
  - pyVmomi >= 8.0.3.0
notes:
  - The connection options can be set once for all of this collection's modules with
    C(module_defaults) and the action group C(group/vmkernel.multihoming.vmware).
"""
