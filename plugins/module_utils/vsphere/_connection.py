# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection to vCenter / ESXi through pyVmomi (private to this collection).

The options and their environment fallbacks are the same as vmware.vmware's, so AWX's
"VMware vCenter" credential (which injects VMWARE_HOST, VMWARE_USER, VMWARE_PASSWORD,
VMWARE_VALIDATE_CERTS) and ``module_defaults`` groups work unchanged.
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

from ansible.module_utils.basic import env_fallback
from ansible_collections.vmkernel.multihoming.plugins.module_utils.common._errors import VsphereConnectionError

try:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    HAS_PYVMOMI = True
    PYVMOMI_IMPORT_ERROR = None
except ImportError as import_error:  # reported by the module with missing_required_lib
    HAS_PYVMOMI = False
    PYVMOMI_IMPORT_ERROR = import_error


def connection_argument_spec() -> dict[str, dict[str, Any]]:
    """Connection options shared by every module (kept in step with doc_fragments/connection.py)."""
    return dict(
        hostname=dict(type="str", fallback=(env_fallback, ["VMWARE_HOST"])),
        username=dict(type="str", aliases=["user", "admin"], fallback=(env_fallback, ["VMWARE_USER"])),
        password=dict(type="str", aliases=["pass", "pwd"], no_log=True, fallback=(env_fallback, ["VMWARE_PASSWORD"])),
        port=dict(type="int", default=443, fallback=(env_fallback, ["VMWARE_PORT"])),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["VMWARE_VALIDATE_CERTS"])),
        proxy_protocol=dict(type="str", default="https", choices=["https", "http"], aliases=["protocol"]),
        proxy_host=dict(type="str", fallback=(env_fallback, ["VMWARE_PROXY_HOST"])),
        proxy_port=dict(type="int", fallback=(env_fallback, ["VMWARE_PROXY_PORT"])),
        timeout=dict(type="int", default=120, fallback=(env_fallback, ["VMWARE_TIMEOUT"])),
    )


def _missing_options(params: dict[str, Any]) -> list[str]:
    env_names = {"hostname": "VMWARE_HOST", "username": "VMWARE_USER", "password": "VMWARE_PASSWORD"}
    return [f"{option} (or {env})" for option, env in env_names.items() if not params.get(option)]


def connect(params: dict[str, Any]) -> Any:
    """Log in and return the ServiceInstance; raise VsphereConnectionError with one clear message."""
    missing = _missing_options(params)
    if missing:
        raise VsphereConnectionError("Missing connection options: " + ", ".join(missing))
    host, port = params["hostname"], params["port"]
    where = f"{host}:{port}"
    kwargs: dict[str, Any] = dict(
        host=host,
        user=params["username"],
        pwd=params["password"],
        port=port,
        # The socket timeout of the connection and of every call: a hung vCenter fails the call.
        httpConnectionTimeout=params.get("timeout") or None,
    )
    if params["validate_certs"]:
        # An explicit context: without one pyVmomi skips verification for localhost addresses.
        kwargs["sslContext"] = ssl.create_default_context()
    else:
        kwargs["disableSslCertValidation"] = True
    if params.get("proxy_host"):
        kwargs.update(httpProxyHost=params["proxy_host"], httpProxyPort=params.get("proxy_port") or 80)
    try:
        return SmartConnect(**kwargs)
    except vim.fault.InvalidLogin:
        raise VsphereConnectionError(f"Cannot log in to {where}: user name or password is wrong") from None
    except vim.fault.NoPermission as fault:
        raise VsphereConnectionError(f"Logged in to {where}, but the user has no permission: {fault.msg}") from None
    except ssl.SSLCertVerificationError as error:
        raise VsphereConnectionError(
            f"The TLS certificate of {where} could not be verified ({error.verify_message}); "
            "install the CA certificate, or set validate_certs: false (VMWARE_VALIDATE_CERTS=false) for a lab"
        ) from None
    except ssl.SSLError as error:
        raise VsphereConnectionError(f"TLS handshake with {where} failed: {error.reason or error}") from None
    except socket.gaierror as error:
        raise VsphereConnectionError(f"Cannot resolve {host}: {error.strerror}") from None
    except (OSError, socket.timeout) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise VsphereConnectionError(f"Cannot reach {where}: {reason}") from None
    except vim.fault.HostConnectFault as fault:
        raise VsphereConnectionError(f"Cannot connect to {where}: {fault.msg}") from None
    except Exception as error:  # pyVmomi raises plain Exception for non-vSphere endpoints
        raise VsphereConnectionError(f"Cannot connect to {where}: {error}") from None


def disconnect(service_instance: Any) -> None:
    """Log out; a failure to log out never hides the module's result."""
    try:
        Disconnect(service_instance)
    except Exception:  # the session is dropped by the server on timeout anyway
        pass
