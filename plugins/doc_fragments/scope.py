# Copyright: (c) 2026, vmkernel.multihoming contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Which hosts a module reads. No option at all means every host the connection can see.
    DOCUMENTATION = r"""
options:
  datacenter:
    description:
      - Limit the scope to the hosts of this datacenter.
    type: str
    aliases: [datacenter_name]
  clusters:
    description:
      - Limit the scope to the hosts of these clusters.
      - With O(datacenter), the clusters must be in that datacenter.
    type: list
    elements: str
    aliases: [cluster, cluster_name]
  esxi_hostnames:
    description:
      - Limit the scope to these hosts, by their name in vCenter.
      - Combined with O(datacenter) and O(clusters), the hosts must also be in those.
    type: list
    elements: str
    aliases: [esxi_hostname]
notes:
  - Without O(datacenter), O(clusters) and O(esxi_hostnames) the scope is every host of the
    vCenter, or the one host when connected directly to ESXi.
  - A name in the scope that does not exist fails the module before anything is read.
  - Empty values (as an unanswered AWX survey question sends them) mean no limit.
"""
