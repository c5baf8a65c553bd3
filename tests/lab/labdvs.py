"""Distributed switches on the lab through the plain vSphere API (pyVmomi), for tests.

Each helper makes the calls a vSphere admin's tooling makes against vCenter (CreateDVS_Task,
ReconfigureDvs_Task, AddDVPortgroup_Task, AddVirtualNic on a distributed port, ...) and waits
for the task, so a test can build a configuration the way a real estate gets it and read it back.
``labctl`` stays free of pyVmomi; this module needs it::

    from labdvs import create_dvs, add_dvs_hosts, add_dvportgroup, add_vmk_on_dvpg
    dvs = create_dvs(si, "DSwitch-A", uplinks=["Uplink 1", "Uplink 2"])
    add_dvs_hosts(dvs, {host: ["vmnic2", "vmnic3"]})
    pg = add_dvportgroup(dvs, "dvPG-vMotion", vlan=50, active=["Uplink 1"], standby=["Uplink 2"])
    add_vmk_on_dvpg(host, pg, "10.50.0.11", "255.255.255.0")
"""

import time

from pyVmomi import vim


class TaskFailed(Exception):
    """A vSphere task ended in error; ``fault`` is the vim fault, ``msg`` its message."""

    def __init__(self, fault, msg):
        super().__init__(msg)
        self.fault = fault
        self.msg = msg


def wait_task(task, timeout=30.0):
    """Wait for a task; return its result or raise TaskFailed with the task's fault."""
    deadline = time.monotonic() + timeout
    while task.info.state in (vim.TaskInfo.State.queued, vim.TaskInfo.State.running):
        if time.monotonic() > deadline:
            raise TimeoutError("task %s did not finish" % task.info.key)
        time.sleep(0.05)
    if task.info.state == vim.TaskInfo.State.error:
        raise TaskFailed(task.info.error, task.info.error.msg)
    return task.info.result


def network_folder(si):
    dc = next(e for e in si.content.rootFolder.childEntity if isinstance(e, vim.Datacenter))
    return dc.networkFolder


def create_dvs(si, name, uplinks=None, mtu=None):
    """CreateDVS_Task in the datacenter's network folder; returns the switch."""
    cs = vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(name=name)
    if uplinks is not None:
        cs.uplinkPortPolicy = vim.DistributedVirtualSwitch.NameArrayUplinkPortPolicy(uplinkPortName=list(uplinks))
    if mtu is not None:
        cs.maxMtu = mtu
    return wait_task(network_folder(si).CreateDVS_Task(vim.DistributedVirtualSwitch.CreateSpec(configSpec=cs)))


def member_spec(operation, host, pnics=()):
    """One host member spec of ReconfigureDvs_Task; pNICs take the uplinks in order."""
    backing = vim.dvs.HostMember.PnicBacking(
        pnicSpec=[vim.dvs.HostMember.PnicSpec(pnicDevice=p) for p in pnics])
    return vim.dvs.HostMember.ConfigSpec(operation=operation, host=host, backing=backing)


def reconfigure_dvs(dvs, members=(), **fields):
    """ReconfigureDvs_Task with the switch's current configVersion (members: member_spec()s)."""
    spec = vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(
        configVersion=dvs.config.configVersion, host=list(members), **fields)
    return wait_task(dvs.ReconfigureDvs_Task(spec))


def add_dvs_hosts(dvs, pnics_by_host):
    """Add hosts to a switch in one ReconfigureDvs_Task: {HostSystem: [pnic, ...]}."""
    return reconfigure_dvs(dvs, [member_spec("add", h, p) for h, p in pnics_by_host.items()])


def port_setting(vlan=None, trunk=None, pvlan=None, active=None, standby=None):
    """A defaultPortConfig with the given VLAN (id, trunk ranges [(start, end)], or PVLAN id) and
    uplink failover order (uplink names); what is not given is left out (inherited)."""
    s = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy()
    if vlan is not None:
        s.vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(vlanId=vlan, inherited=False)
    if trunk is not None:
        s.vlan = vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec(
            vlanId=[vim.NumericRange(start=a, end=b) for a, b in trunk], inherited=False)
    if pvlan is not None:
        s.vlan = vim.dvs.VmwareDistributedVirtualSwitch.PvlanSpec(pvlanId=pvlan, inherited=False)
    if active is not None or standby is not None:
        s.uplinkTeamingPolicy = vim.dvs.VmwareDistributedVirtualSwitch.UplinkPortTeamingPolicy(
            inherited=False,
            uplinkPortOrder=vim.dvs.VmwareDistributedVirtualSwitch.UplinkPortOrderPolicy(
                inherited=False, activeUplinkPort=list(active or []), standbyUplinkPort=list(standby or [])))
    return s


def add_dvportgroup(dvs, name, num_ports=8, pg_type="earlyBinding", **setting):
    """CreateDVPortgroup_Task; returns the new dvPortgroup (setting: port_setting() arguments)."""
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        name=name, numPorts=num_ports, type=pg_type, defaultPortConfig=port_setting(**setting))
    wait_task(dvs.CreateDVPortgroup_Task(spec))
    return find_dvportgroup(dvs, name)


def reconfigure_dvportgroup(pg, config_version=None, **setting):
    """ReconfigureDVPortgroup_Task changing the defaultPortConfig (current configVersion unless given)."""
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=config_version if config_version is not None else pg.config.configVersion,
        defaultPortConfig=port_setting(**setting))
    return wait_task(pg.ReconfigureDVPortgroup_Task(spec))


def find_dvportgroup(dvs, name):
    return next(p for p in dvs.portgroup if p.name == name)


def find_dvs(si, name):
    """The distributed switch called ``name``."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.DistributedVirtualSwitch], True)
    try:
        return next(d for d in view.view if d.name == name)
    finally:
        view.DestroyView()


def port_connection(pg, port_key=None):
    return vim.dvs.PortConnection(switchUuid=pg.config.distributedVirtualSwitch.uuid,
                                  portgroupKey=pg.key, portKey=port_key)


def add_vmk_on_dvpg(host, pg, ip, mask="255.255.255.0", **nic):
    """AddVirtualNic on a distributed port of pg (portgroup ""), as vCenter requires; returns the device."""
    spec = vim.host.VirtualNic.Specification(
        ip=vim.host.IpConfig(dhcp=False, ipAddress=ip, subnetMask=mask),
        distributedVirtualPort=port_connection(pg), **nic)
    return host.configManager.networkSystem.AddVirtualNic("", spec)


def move_vmk_to_dvpg(host, device, pg):
    """UpdateVirtualNic moving a vmknic onto a distributed port of pg."""
    host.configManager.networkSystem.UpdateVirtualNic(
        device, vim.host.VirtualNic.Specification(distributedVirtualPort=port_connection(pg)))


def proxy_switch(host, dvs_name):
    """The host's config.network.proxySwitch entry of a switch (None when not a member)."""
    return next((p for p in host.config.network.proxySwitch if p.dvsName == dvs_name), None)


def uplink_pnics(host, dvs_name):
    """{uplink name: pNIC device} of a host on a switch, from proxySwitch (as the collection reads it)."""
    ps = proxy_switch(host, dvs_name)
    names = {kv.key: kv.value for kv in ps.uplinkPort}
    return {names[p.uplinkPortKey]: p.pnicDevice for p in ps.spec.backing.pnicSpec}
