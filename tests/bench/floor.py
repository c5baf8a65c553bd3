# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's floor: one paged RetrievePropertiesEx over a ContainerView of the hosts, the
distributed switches and the dvPortgroups, of the paths the collection's bulk read asks of each
(_gather.HOST_PATHS, DVSWITCH_PATHS, DVPORTGROUP_PATHS), nothing else. bench.py calls read_hosts()
on its own session and also runs this file as a fresh process (argv[1]: JSON [host, port, user,
password, host paths, page size, switch paths, dvPortgroup paths]); that process imports pyVmomi
only, no Ansible and no collection code, so it is the least any module could do.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl


def read_hosts(service_instance: Any, paths: list[str], page_size: int, switch_paths: list[str] | None = None,
               portgroup_paths: list[str] | None = None) -> int:
    """Read ``paths`` of every host (and ``switch_paths`` / ``portgroup_paths`` of every distributed
    switch / dvPortgroup, when given) page by page; return how many hosts came back."""
    content = service_instance.RetrieveContent()
    pc = vmodl.query.PropertyCollector
    wanted = [(vim.HostSystem, paths), (vim.DistributedVirtualSwitch, switch_paths), (vim.dvs.DistributedVirtualPortgroup, portgroup_paths)]
    wanted = [(kind, list(kind_paths)) for kind, kind_paths in wanted if kind_paths]
    view = content.viewManager.CreateContainerView(content.rootFolder, [kind for kind, _paths in wanted], True)
    try:
        traversal = pc.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)
        spec = pc.FilterSpec(objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
                             propSet=[pc.PropertySpec(type=kind, pathSet=kind_paths) for kind, kind_paths in wanted])
        result = content.propertyCollector.RetrievePropertiesEx(specSet=[spec], options=pc.RetrieveOptions(maxObjects=page_size))
        count = 0
        while result:
            count += sum(1 for item in result.objects if isinstance(item.obj, vim.HostSystem))
            if not result.token:
                break
            result = content.propertyCollector.ContinueRetrievePropertiesEx(token=result.token)
        return count
    finally:
        view.DestroyView()


def main() -> None:
    host, port, user, password, paths, page_size, switch_paths, portgroup_paths = json.loads(sys.argv[1])
    service_instance = SmartConnect(host=host, port=port, user=user, pwd=password, disableSslCertValidation=True)
    try:
        print(read_hosts(service_instance, paths, page_size, switch_paths, portgroup_paths))
    finally:
        Disconnect(service_instance)


if __name__ == "__main__":
    main()
