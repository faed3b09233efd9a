"""Seeded, reproducible generator of ICT diagrams as :class:`~dicmodel.diagram.Diagram` objects.

Families (``FAMILIES``) cover protocol call flows (sequence), state machines (state), network
topologies (topology), architectures (architecture), protocol stacks (protocol_stack) and
operational flowcharts (flowchart). Item ``i`` of a run with seed ``s`` depends only on
``(s, i)``, so a run can stop and resume, and ``generate_one(s, i)`` rebuilds any item.

Size and difficulty are controlled by :class:`GenOptions` (how many messages / nodes, the
chance to drop or insert steps and to rename with vocabulary variants) and the label language
(``en``, ``zh``, ``mixed``). :func:`sample_style` draws the look (theme, direction, font,
curve, shapes, size, renderer) so a model cannot learn one style.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from typing import Literal

from pydantic import BaseModel, Field

from ..diagram import END, START, Diagram, Edge, Group, Message, Node
from ..errors import ConfigError
from .vocab import EVENT, LAYER, LINK, MSG, NF, STATE, STEP, Lang, Term, say

__all__ = [
    "FAMILIES",
    "GenOptions",
    "Style",
    "SynthDiagram",
    "generate",
    "generate_one",
    "mermaid_text",
    "sample_style",
    "to_dot",
]

Rng = random.Random


class GenOptions(BaseModel):
    """Size and difficulty of generated diagrams."""

    lang: Literal["en", "zh", "mixed"] = Field("en", description="label language; 'mixed' draws en/zh/"
                                               "bilingual per diagram")
    families: list[str] | None = Field(None, description="family names to draw from (None = all)")
    min_messages: int = Field(3, ge=2, le=40, description="fewest messages in a call flow")
    max_messages: int = Field(14, ge=2, le=60, description="most messages in a call flow")
    max_nodes: int = Field(16, ge=3, le=80, description="most nodes in a topology/architecture")
    drop_p: float = Field(0.15, ge=0, le=0.9, description="chance to drop each optional step/transition")
    insert_p: float = Field(0.2, ge=0, le=1, description="chance to insert extra steps")
    variant_p: float = Field(0.2, ge=0, le=1, description="chance to rename a term with a vocabulary variant")
    title_p: float = Field(0.6, ge=0, le=1, description="chance that the diagram shows a title")
    graphviz_p: float = Field(0.35, ge=0, le=1, description="chance a topology is drawn with Graphviz")


class Style(BaseModel):
    """How one diagram is drawn."""

    renderer: Literal["mermaid", "graphviz"] = "mermaid"
    theme: Literal["default", "neutral", "dark", "forest", "base"] = "default"
    background: str = "white"
    font_family: str | None = None
    curve: str | None = None
    scale: float = 1.0
    width: int = 1200
    engine: str = "dot"
    dpi: int = 96
    node_shape: str = "box"


class SynthDiagram(BaseModel):
    id: str
    seed: int
    index: int
    family: str
    kind: str
    lang: str
    diagram: Diagram
    style: Style


# =========================================================================================
# helpers
# =========================================================================================

class _Ctx:
    """Per-diagram language and renaming choices, so a term keeps one label inside a diagram."""

    def __init__(self, rng: Rng, lang: Lang, opts: GenOptions):
        self.rng, self.lang, self.opts = rng, lang, opts
        self._labels: dict[int, str] = {}

    def t(self, term: Term | str) -> str:
        if isinstance(term, str):
            return term
        key = id(term)
        if key not in self._labels:
            self._labels[key] = say(term, self.lang, self.rng, self.opts.variant_p)
        return self._labels[key]

    def yes(self) -> str:
        return {"en": "Yes", "zh": "是", "mixed": "Yes"}[self.lang]

    def no(self) -> str:
        return {"en": "No", "zh": "否", "mixed": "No"}[self.lang]

    def title(self, en: str, zh: str) -> str | None:
        if self.rng.random() >= self.opts.title_p:
            return None
        return zh if self.lang == "zh" else en


def _safe(name: str) -> str:
    out = "".join(c if c in string.ascii_letters + string.digits + "_" else "_" for c in name)
    return out if out and out[0].isalpha() else f"n_{out}"


# =========================================================================================
# sequence: protocol call flows
# =========================================================================================

# "A>B:key" is a request, "A-->B:key" a reply
_FLOWS: dict[str, tuple[str, str, list[str], list[str]]] = {
    "lte_attach": ("LTE Attach Procedure", "LTE附着流程", [
        "UE>eNB:rrc_req", "eNB-->UE:rrc_setup", "UE>eNB:rrc_complete", "UE>MME:attach_req",
        "MME>HSS:air", "HSS-->MME:aia", "MME>UE:auth_req", "UE-->MME:auth_resp", "MME>UE:smc",
        "UE-->MME:smc_cmp", "MME>HSS:ulr", "HSS-->MME:ula", "MME>SGW:csr", "SGW>PGW:csr",
        "PGW-->SGW:csresp", "SGW-->MME:csresp", "MME>eNB:ics_req", "eNB>UE:attach_acc",
        "UE>MME:attach_cmp", "eNB-->MME:ics_resp", "MME>SGW:mbr", "SGW-->MME:mbresp"],
        ["MME>UE:ident_req", "UE-->MME:ident_resp"]),
    "5g_registration": ("5G Registration Procedure", "5G注册流程", [
        "UE>gNB:rrc_req", "gNB-->UE:rrc_setup", "UE>AMF:reg_req", "AMF>AUSF:ue_auth", "AUSF>UDM:get_av",
        "UDM-->AUSF:get_av", "AUSF-->AMF:ue_auth", "AMF>UE:auth_req", "UE-->AMF:auth_resp", "AMF>UE:smc",
        "UE-->AMF:smc_cmp", "AMF>UDM:uecm_reg", "AMF>UDM:sdm_get", "AMF>PCF:am_policy", "AMF>UE:reg_acc",
        "UE>AMF:reg_cmp"], ["AMF>UE:ident_req", "UE-->AMF:ident_resp"]),
    "5g_pdu_session": ("PDU Session Establishment", "PDU会话建立流程", [
        "UE>AMF:pdu_req", "AMF>SMF:sm_create", "SMF>UDM:sdm_get", "SMF-->AMF:sm_create_resp",
        "SMF>PCF:sm_policy", "SMF>UPF:pfcp_est", "UPF-->SMF:pfcp_est_resp", "SMF>AMF:n1n2",
        "AMF>gNB:pdu_res_setup", "gNB>UE:pdu_acc", "gNB-->AMF:pdu_res_resp"], []),
    "sip_invite": ("SIP Call Setup", "SIP呼叫建立", [
        "Alice>Proxy:invite", "Proxy-->Alice:trying", "Proxy>Bob:invite", "Bob-->Proxy:ringing",
        "Proxy-->Alice:ringing", "Bob-->Proxy:ok200", "Proxy-->Alice:ok200", "Alice>Bob:ack",
        "Bob>Alice:bye", "Alice-->Bob:ok200"], ["Alice>Registrar:register", "Registrar-->Alice:unauth401"]),
    "tcp_handshake": ("TCP Connection Setup and Teardown", "TCP连接建立与释放", [
        "Client>Server:syn", "Server-->Client:synack", "Client>Server:tack", "Client>Server:data",
        "Server-->Client:tack", "Client>Server:fin", "Server-->Client:tack", "Server>Client:fin",
        "Client-->Server:tack"], ["Server>Client:data", "Client-->Server:tack"]),
    "tls13": ("TLS 1.3 Handshake", "TLS 1.3握手", [
        "Client>Server:ch", "Server-->Client:sh", "Server-->Client:ee", "Server-->Client:cert",
        "Server-->Client:cv", "Server-->Client:sfin", "Client>Server:cfin", "Client>Server:appdata",
        "Server-->Client:appdata"], []),
    "dhcp": ("DHCP Address Assignment", "DHCP地址分配", [
        "DHCPClient>Relay:discover", "Relay>DHCPServer:discover", "DHCPServer-->Relay:offer",
        "Relay-->DHCPClient:offer", "DHCPClient>Relay:request", "Relay>DHCPServer:request",
        "DHCPServer-->Relay:dack", "Relay-->DHCPClient:dack"], []),
    "oauth_oidc": ("OAuth 2.0 / OIDC Authorization Code Flow", "OAuth 2.0/OIDC授权码流程", [
        "User>App:authz_req", "App>AuthZ:authz_req", "AuthZ>User:login", "User-->AuthZ:login",
        "AuthZ-->App:code", "App>AuthZ:token_req", "AuthZ-->App:token_resp", "App>API:api_call",
        "API-->App:api_resp"], ["App>AuthZ:userinfo"]),
    "bgp_session": ("BGP Session Establishment", "BGP会话建立", [
        "RouterA>RouterB:tcp_conn", "RouterA>RouterB:open", "RouterB>RouterA:open", "RouterA>RouterB:keepalive",
        "RouterB>RouterA:keepalive", "RouterA>RouterB:update", "RouterB>RouterA:update",
        "RouterA>RouterB:keepalive"], ["RouterB>RouterA:route_refresh", "RouterA>RouterB:notification"]),
}


def _parse_step(step: str) -> tuple[str, str, str, bool]:
    head, key = step.split(":")
    reply = "-->" in head
    a, b = head.split("-->") if reply else head.split(">")
    return a, b, key, reply


def _sequence(name: str) -> Callable[[_Ctx], Diagram]:
    en_title, zh_title, steps, extras = _FLOWS[name]

    def build(c: _Ctx) -> Diagram:
        o, rng = c.opts, c.rng
        chosen = [s for s in steps if rng.random() >= o.drop_p] or steps[:2]
        if extras and rng.random() < o.insert_p:
            at = rng.randrange(len(chosen) + 1)
            chosen[at:at] = extras
        hi = max(o.min_messages, min(o.max_messages, len(chosen)))
        n = rng.randint(min(o.min_messages, len(chosen)), min(hi, len(chosen)))
        start = rng.randrange(len(chosen) - n + 1) if rng.random() < 0.3 else 0
        chosen = chosen[start:start + n]
        d = Diagram(kind="sequence", direction="LR", title=c.title(en_title, zh_title))
        for s in chosen:
            a, b, key, reply = _parse_step(s)
            for p in (a, b):
                d.add_node(_safe(p), c.t(NF[p]), "participant")
            d.messages.append(Message(source=_safe(a), target=_safe(b), text=c.t(MSG[key]), reply=reply,
                                      arrow="filled"))
        # participants in their template order (first appearance), as a drawing lists them
        return d

    return build


# =========================================================================================
# state machines
# =========================================================================================

_FSMS: dict[str, tuple[str, str, str, list[str], list[str]]] = {
    # name: (title en, title zh, initial, transitions "A>B:event", final states)
    "tcp_fsm": ("TCP Connection State Machine", "TCP连接状态机", "CLOSED", [
        "CLOSED>LISTEN:passive_open", "CLOSED>SYN_SENT:active_open", "LISTEN>SYN_RCVD:rcv_syn",
        "SYN_SENT>ESTABLISHED:rcv_synack", "SYN_RCVD>ESTABLISHED:rcv_ack", "ESTABLISHED>FIN_WAIT_1:close_fin",
        "ESTABLISHED>CLOSE_WAIT:rcv_fin", "FIN_WAIT_1>FIN_WAIT_2:rcv_ack_fin", "FIN_WAIT_1>CLOSING:rcv_fin",
        "FIN_WAIT_2>TIME_WAIT:rcv_fin", "CLOSING>TIME_WAIT:rcv_ack_fin", "TIME_WAIT>CLOSED:timeout_2msl",
        "CLOSE_WAIT>LAST_ACK:close_fin", "LAST_ACK>CLOSED:rcv_ack_fin", "LISTEN>CLOSED:close"], []),
    "rrc_fsm": ("NR RRC State Machine", "NR RRC状态机", "RRC_IDLE", [
        "RRC_IDLE>RRC_CONNECTED:rrc_setup", "RRC_CONNECTED>RRC_IDLE:rrc_release",
        "RRC_CONNECTED>RRC_INACTIVE:rrc_suspend", "RRC_INACTIVE>RRC_CONNECTED:rrc_resume",
        "RRC_INACTIVE>RRC_IDLE:rlf", "RRC_CONNECTED>RRC_IDLE:rlf"], []),
    "mm_fsm": ("5GMM/EMM State Machine", "5GMM/EMM状态机", "DEREG", [
        "DEREG>REG_INIT:reg_req", "REG_INIT>REG:reg_acc", "REG_INIT>DEREG:reg_rej", "REG>SR_INIT:sr",
        "SR_INIT>REG:sr_acc", "REG>TAU_INIT:tau", "TAU_INIT>REG:tau_acc", "REG>DEREG_INIT:dereg_req",
        "DEREG_INIT>DEREG:dereg_acc", "REG>DEREG:implicit_dereg"], []),
    "bgp_fsm": ("BGP Finite State Machine", "BGP有限状态机", "Idle", [
        "Idle>Connect:start", "Connect>OpenSent:tcp_ok", "Connect>Active:tcp_fail", "Active>Connect:retry",
        "Active>OpenSent:tcp_ok", "OpenSent>OpenConfirm:open_rcv", "OpenConfirm>Established:ka_rcv",
        "OpenSent>Idle:notif", "OpenConfirm>Idle:hold_exp", "Established>Idle:notif",
        "Established>Idle:stop"], ["Idle"]),
}


def _state(name: str) -> Callable[[_Ctx], Diagram]:
    en_title, zh_title, initial, trans, finals = _FSMS[name]

    def build(c: _Ctx) -> Diagram:
        rng, o = c.rng, c.opts
        edges = [tuple(t.replace(":", ">").split(">")) for t in trans]
        kept = [e for i, e in enumerate(edges) if i < 2 or rng.random() >= o.drop_p]
        reach = _reachable(initial, kept)
        kept = [e for e in kept if e[0] in reach]
        d = Diagram(kind="state", direction=rng.choice(["TD", "TD", "LR"]), title=c.title(en_title, zh_title))
        d.nodes.append(Node(id=START, label="start", shape="start"))
        order = [initial] + [b for _, b, _ in kept if b != initial]
        for s in dict.fromkeys(order):
            d.nodes.append(Node(id=_safe(s), label=c.t(STATE[s]), shape="state"))
        d.edges.append(Edge(source=START, target=_safe(initial)))
        for a, b, ev in kept:
            d.edges.append(Edge(source=_safe(a), target=_safe(b), label=c.t(EVENT[ev])))
        if finals and rng.random() < 0.7:
            d.nodes.append(Node(id=END, label="end", shape="end"))
            for f in finals:
                d.edges.append(Edge(source=_safe(f), target=END))
        return d

    return build


def _reachable(start: str, edges: list[tuple[str, ...]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        cur = todo.pop()
        for a, b, _ in edges:
            if a == cur and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


# =========================================================================================
# topologies (undirected labelled links)
# =========================================================================================

_CITIES = [("Beijing", "北京"), ("Shanghai", "上海"), ("Shenzhen", "深圳"), ("Chengdu", "成都"),
           ("London", "伦敦"), ("Paris", "巴黎"), ("Berlin", "柏林"), ("Madrid", "马德里"),
           ("Tokyo", "东京"), ("Singapore", "新加坡")]


def _dev(c: _Ctx, en: str, zh: str, i: int | str) -> str:
    return f"{zh}{i}" if c.lang == "zh" else f"{en}{i}"


def _link(d: Diagram, a: str, b: str, label: str) -> None:
    d.edges.append(Edge(source=a, target=b, label=label, directed=False))


def _campus(c: _Ctx) -> Diagram:
    rng = c.rng
    n_dist = rng.randint(2, 4)
    n_acc = rng.randint(2, max(2, min(8, c.opts.max_nodes - n_dist - 2)))
    d = Diagram(kind="topology", title=c.title("Campus Three-Tier Network", "园区三层网络"))
    core = [_add(d, f"core{i}", _dev(c, "Core-SW", "核心交换机", i), "box") for i in (1, 2)]
    dist = [_add(d, f"dist{i}", _dev(c, "Dist-SW", "汇聚交换机", i), "box") for i in range(1, n_dist + 1)]
    acc = [_add(d, f"acc{i}", _dev(c, "Access-SW", "接入交换机", i), "box") for i in range(1, n_acc + 1)]
    speed = rng.choice(["40G", "100G"])
    _link(d, core[0], core[1], c.t(LINK["lag"]))
    for i, x in enumerate(dist):
        for y in core:
            _link(d, x, y, speed if rng.random() < 0.5 else f"Te1/0/{i + 1}")
    for i, a in enumerate(acc):
        _link(d, a, dist[i % n_dist], rng.choice(["10G", c.t(LINK["uplink"])]))
    _layer_groups(d, c, [("core", "Core Layer", "核心层", core), ("dist", "Distribution Layer", "汇聚层", dist),
                         ("access", "Access Layer", "接入层", acc)])
    return d


def _add(d: Diagram, nid: str, label: str, shape: str) -> str:
    d.nodes.append(Node(id=nid, label=label, shape=shape))
    return nid


def _layer_groups(d: Diagram, c: _Ctx, layers: list[tuple[str, str, str, list[str]]]) -> None:
    if c.rng.random() < 0.5:
        return
    for gid, en, zh, members in layers:
        d.groups.append(Group(id=f"g_{gid}", label=zh if c.lang == "zh" else en, members=list(members)))


def _leaf_spine(c: _Ctx) -> Diagram:
    rng = c.rng
    n_sp = rng.randint(2, 4)
    n_lf = rng.randint(2, max(2, min(6, c.opts.max_nodes - n_sp)))
    d = Diagram(kind="topology", title=c.title("Leaf-Spine Data Center Fabric", "叶脊数据中心网络"))
    sp = [_add(d, f"spine{i}", _dev(c, "Spine-", "脊交换机", i), "box") for i in range(1, n_sp + 1)]
    lf = [_add(d, f"leaf{i}", _dev(c, "Leaf-", "叶交换机", i), "box") for i in range(1, n_lf + 1)]
    named = rng.random() < 0.5
    for j, leaf in enumerate(lf):
        for i, spine in enumerate(sp):
            _link(d, leaf, spine, f"Eth1/{49 + i}" if named else rng.choice(["100G", "400G"]))
    if rng.random() < 0.6:
        for j, leaf in enumerate(lf[:3]):
            srv = _add(d, f"srv{j + 1}", _dev(c, "Server-", "服务器", j + 1), "round")
            _link(d, srv, leaf, "25G")
    _layer_groups(d, c, [("spine", "Spine Layer", "脊层", sp), ("leaf", "Leaf Layer", "叶层", lf)])
    return d


def _wan_mpls(c: _Ctx) -> Diagram:
    rng = c.rng
    n_sites = rng.randint(2, min(5, max(2, (c.opts.max_nodes - 2) // 2)))
    d = Diagram(kind="topology", title=c.title("WAN with MPLS VPN", "MPLS VPN广域网"))
    n_p = rng.randint(1, 3)
    ps = [_add(d, f"p{i}", f"P{i}", "circle") for i in range(1, n_p + 1)]
    for i in range(len(ps) - 1):
        _link(d, ps[i], ps[i + 1], c.t(LINK["mpls"]))
    cities = rng.sample(_CITIES, n_sites)
    pes = []
    for i, (en, zh) in enumerate(cities, 1):
        pe = _add(d, f"pe{i}", f"PE{i}", "box")
        ce = _add(d, f"ce{i}", f"CE-{zh if c.lang == 'zh' else en}", "round")
        pes.append(pe)
        _link(d, ce, pe, rng.choice([c.t(LINK["ebgp"]), "static", "OSPF"]))
        _link(d, pe, ps[(i - 1) % n_p], rng.choice([c.t(LINK["mpls"]), c.t(LINK["ldp"])]))
    if rng.random() < 0.5 and len(pes) >= 2:
        _link(d, pes[0], pes[1], c.t(LINK["ibgp"]))
    if rng.random() < 0.5:
        d.groups.append(Group(id="g_core", label="运营商MPLS骨干" if c.lang == "zh" else "Provider MPLS Core",
                              members=ps + pes))
    return d


def _vlans(c: _Ctx) -> Diagram:
    rng = c.rng
    d = Diagram(kind="topology", title=c.title("VLANs and Subnets", "VLAN与子网规划"))
    r = _add(d, "router", "Router" if c.lang != "zh" else "路由器", "round")
    core = _add(d, "l3sw", "L3-Switch" if c.lang != "zh" else "三层交换机", "box")
    _link(d, r, core, c.t(LINK["uplink"]))
    vlan_ids = sorted(rng.sample([10, 20, 30, 40, 50, 100, 200], rng.randint(2, 4)))
    names = [("Sales", "销售"), ("Engineering", "研发"), ("Voice", "语音"), ("Guest", "访客"), ("Servers", "服务器")]
    for k, vid in enumerate(vlan_ids, 1):
        sw = _add(d, f"acc{k}", _dev(c, "Access-SW", "接入交换机", k), "box")
        _link(d, sw, core, c.t(LINK["trunk"]))
        en, zh = names[(k - 1) % len(names)]
        hosts = []
        for h in range(1, rng.randint(2, 3) + 1):
            hid = _add(d, f"h{k}_{h}", f"{zh if c.lang == 'zh' else en}-PC{h}", "round")
            _link(d, hid, sw, c.t(LINK["access"]))
            hosts.append(hid)
        d.groups.append(Group(id=f"vlan{vid}", label=f"VLAN {vid} 10.{k}.{vid}.0/24", members=hosts))
    return d


def _ran_core(c: _Ctx) -> Diagram:
    rng = c.rng
    d = Diagram(kind="topology", title=c.title("5G RAN and Core Network", "5G无线接入网与核心网"))
    ue = _add(d, "ue", c.t(NF["UE"]), "round")
    n_gnb = rng.randint(1, 3)
    gnbs = [_add(d, f"gnb{i}", f"{c.t(NF['gNB'])}{i}", "box") for i in range(1, n_gnb + 1)]
    amf = _add(d, "amf", c.t(NF["AMF"]), "box")
    smf = _add(d, "smf", c.t(NF["SMF"]), "box")
    upf = _add(d, "upf", c.t(NF["UPF"]), "box")
    dn = _add(d, "dn", c.t(NF["DN"]), "cylinder")
    _link(d, ue, gnbs[0], "Uu")
    for i, g in enumerate(gnbs):
        _link(d, g, amf, "N2")
        _link(d, g, upf, "N3")
        if i:
            _link(d, gnbs[i - 1], g, "Xn")
    _link(d, amf, smf, "N11")
    _link(d, smf, upf, "N4")
    _link(d, upf, dn, "N6")
    if rng.random() < 0.5:
        _layer_groups(d, c, [("ran", "NG-RAN", "无线接入网", gnbs), ("core", "5G Core", "5G核心网", [amf, smf, upf])])
    return d


# =========================================================================================
# architectures
# =========================================================================================

_SBA = [("AMF", "Namf"), ("SMF", "Nsmf"), ("AUSF", "Nausf"), ("UDM", "Nudm"), ("PCF", "Npcf"), ("NRF", "Nnrf"),
        ("NSSF", "Nnssf"), ("NEF", "Nnef"), ("AF", "Naf"), ("UDR", "Nudr")]


def _sba(c: _Ctx) -> Diagram:
    rng = c.rng
    k = rng.randint(4, min(len(_SBA), max(4, c.opts.max_nodes - 4)))
    nfs = [_SBA[0], _SBA[1]] + rng.sample(_SBA[2:], k - 2)
    d = Diagram(kind="architecture", title=c.title("5G Core Service-Based Architecture", "5G核心网服务化架构"))
    bus = _add(d, "sbi", "Service-Based Interface (SBI)" if c.lang != "zh" else "服务化接口 (SBI)", "hexagon")
    for nf, svc in nfs:
        _link(d, _add(d, nf.lower(), c.t(NF[nf]), "box"), bus, svc)
    ue, ran, upf, dn = (_add(d, "ue", c.t(NF["UE"]), "round"), _add(d, "ran", "(R)AN", "box"),
                        _add(d, "upf", c.t(NF["UPF"]), "box"), _add(d, "dn", c.t(NF["DN"]), "cylinder"))
    _link(d, ue, "amf", "N1")
    _link(d, ran, "amf", "N2")
    _link(d, ue, ran, "Uu")
    _link(d, ran, upf, "N3")
    _link(d, "smf", upf, "N4")
    _link(d, upf, dn, "N6")
    if rng.random() < 0.5:
        d.groups.append(Group(id="g_cp", label="控制面" if c.lang == "zh" else "Control Plane",
                              members=[nf.lower() for nf, _ in nfs] + ["sbi"]))
    return d


def _oran(c: _Ctx) -> Diagram:
    rng = c.rng
    d = Diagram(kind="architecture", title=c.title("O-RAN Architecture", "O-RAN架构"))
    smo = _add(d, "smo", "SMO", "box")
    non = _add(d, "nonrt", "Non-RT RIC", "box")
    near = _add(d, "nearrt", "Near-RT RIC", "box")
    cucp = _add(d, "cucp", "O-CU-CP", "box")
    cuup = _add(d, "cuup", "O-CU-UP", "box")
    du = _add(d, "du", "O-DU", "box")
    ru = _add(d, "ru", "O-RU", "box")
    _link(d, non, near, "A1")
    for x in (cucp, cuup, du):
        _link(d, near, x, "E2")
    _link(d, cucp, cuup, "E1")
    _link(d, cucp, du, "F1-C" if rng.random() < 0.5 else "F1-c")
    _link(d, cuup, du, "F1-U" if rng.random() < 0.5 else "F1-u")
    _link(d, du, ru, "Open Fronthaul" if rng.random() < 0.6 else "OFH (7.2x)")
    if rng.random() < 0.6:
        _link(d, smo, near, "O1")
        _link(d, smo, du, "O1")
    if rng.random() < 0.5:
        cloud = _add(d, "ocloud", "O-Cloud", "cylinder")
        _link(d, smo, cloud, "O2")
    if rng.random() < 0.5:
        d.groups.append(Group(id="g_smo", label="Service Management and Orchestration", members=[smo, non]))
    return d


_SVC = [("Auth Service", "认证服务"), ("User Service", "用户服务"), ("Order Service", "订单服务"),
        ("Billing Service", "计费服务"), ("Inventory Service", "库存服务"), ("Notification Service", "通知服务"),
        ("Catalog Service", "目录服务")]


def _microservices(c: _Ctx) -> Diagram:
    rng = c.rng
    zh = c.lang == "zh"
    d = Diagram(kind="architecture", title=c.title("Microservice Architecture", "微服务架构"))
    client = _add(d, "client", "客户端" if zh else rng.choice(["Web Client", "Mobile App", "Client"]), "round")
    gw = _add(d, "gw", "API网关" if zh else "API Gateway", "hexagon")
    d.edges.append(Edge(source=client, target=gw, label="HTTPS"))
    svcs = rng.sample(_SVC, rng.randint(2, min(len(_SVC), max(2, c.opts.max_nodes // 2 - 1))))
    broker = _add(d, "mq", rng.choice(["Kafka", "RabbitMQ", "消息队列" if zh else "Message Broker"]), "stadium") \
        if rng.random() < 0.6 else None
    for i, (en, z) in enumerate(svcs, 1):
        s = _add(d, f"svc{i}", z if zh else en, "box")
        d.edges.append(Edge(source=gw, target=s, label=rng.choice(["REST", "gRPC"])))
        if rng.random() < 0.6:
            db = _add(d, f"db{i}", f"{z if zh else en.split()[0]} DB", "cylinder")
            d.edges.append(Edge(source=s, target=db, label=rng.choice(["SQL", "reads/writes"])))
        if broker and rng.random() < 0.5:
            d.edges.append(Edge(source=s, target=broker, label="publishes" if not zh else "发布事件"))
    return d


# =========================================================================================
# protocol stacks
# =========================================================================================

_STACKS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "osi": ("OSI Reference Model", "OSI参考模型", [("app", "HTTP, DNS"), ("pres", "TLS, JPEG"), ("sess", "RPC"),
                                                  ("trans", "TCP, UDP"), ("net", "IP, ICMP"),
                                                  ("link", "Ethernet, PPP"), ("phy", "fiber, copper")]),
    "tcpip": ("TCP/IP Model", "TCP/IP模型", [("app", "HTTP, DNS, SSH"), ("trans", "TCP, UDP"),
                                             ("inet", "IPv4, IPv6"), ("netacc", "Ethernet, Wi-Fi")]),
    "nr_cp": ("NR Control Plane Protocol Stack", "NR控制面协议栈", [("nas", ""), ("rrc", ""), ("pdcp", ""),
                                                                    ("rlc", ""), ("mac", ""), ("PHY", "")]),
    "nr_up": ("NR User Plane Protocol Stack", "NR用户面协议栈", [("sdap", ""), ("pdcp", ""), ("rlc", ""),
                                                                 ("mac", ""), ("PHY", "")]),
    "n3": ("N3 User Plane Stack", "N3用户面协议栈", [("gtpu", ""), ("udp", ""), ("ip", ""), ("l2", ""), ("l1", "")]),
    "n2": ("N2 Control Plane Stack", "N2控制面协议栈", [("ngap", ""), ("sctp", ""), ("ip", ""), ("l2", ""), ("l1", "")]),
    "sbi": ("SBI Protocol Stack", "SBI协议栈", [("http2", ""), ("tls", ""), ("tcp", ""), ("ip", ""), ("l2", "")]),
}


def _stack(name: str) -> Callable[[_Ctx], Diagram]:
    en_title, zh_title, layers = _STACKS[name]

    def build(c: _Ctx) -> Diagram:
        d = Diagram(kind="protocol_stack", direction="TD", title=c.title(en_title, zh_title))
        with_examples = c.rng.random() < 0.5
        for key, ex in layers:
            label = c.t(LAYER[key]) + (f" ({ex})" if ex and with_examples else "")
            d.nodes.append(Node(id=f"l_{key}", label=label, shape="box"))
        for a, b in zip(d.nodes, d.nodes[1:]):
            d.edges.append(Edge(source=a.id, target=b.id))
        return d

    return build


# =========================================================================================
# flowcharts
# =========================================================================================

# steps: key -> shape; edges "a>b" or "a>b:yes|no"
_CHARTS: dict[str, tuple[str, str, list[str], list[str]]] = {
    "troubleshooting": ("Link Troubleshooting", "链路故障排查", [
        "start_ts", "chk_phy", "chk_cable", "chk_if", "no_shut", "chk_ip", "cfg_ip", "ping", "chk_route",
        "chk_arp", "escalate", "resolved"], [
        "start_ts>chk_phy", "chk_phy>chk_cable:no", "chk_cable>chk_phy", "chk_phy>chk_if:yes",
        "chk_if>no_shut:no", "no_shut>chk_ip", "chk_if>chk_ip:yes", "chk_ip>cfg_ip:no", "cfg_ip>ping",
        "chk_ip>ping:yes", "ping>resolved:yes", "ping>chk_route:no", "chk_route>chk_arp", "chk_arp>escalate"]),
    "provisioning": ("Subscriber Provisioning", "用户开通流程", [
        "start_pv", "valid", "reject", "alloc_imsi", "prov_hss", "prov_pcrf", "prov_ok", "rollback", "notify",
        "done"], [
        "start_pv>valid", "valid>reject:no", "valid>alloc_imsi:yes", "alloc_imsi>prov_hss", "prov_hss>prov_pcrf",
        "prov_pcrf>prov_ok", "prov_ok>rollback:no", "rollback>notify", "prov_ok>done:yes", "done>notify"]),
    "failover": ("Link Failover Procedure", "链路倒换流程", [
        "start_fo", "bfd", "false_alarm", "switch", "bkp_ok", "alarm", "monitor", "restored", "revert", "end_fo"], [
        "start_fo>bfd", "bfd>false_alarm:no", "bfd>switch:yes", "switch>bkp_ok", "bkp_ok>alarm:no",
        "bkp_ok>monitor:yes", "monitor>restored", "restored>monitor:no", "restored>revert:yes",
        "revert>end_fo", "false_alarm>end_fo"]),
}
_EXTRA_STEPS = [("Log event", "记录事件"), ("Wait 30 s", "等待30秒"), ("Collect diagnostics", "收集诊断信息"),
                ("Open ticket", "创建工单")]


def _flowchart(name: str) -> Callable[[_Ctx], Diagram]:
    en_title, zh_title, steps, edges = _CHARTS[name]

    def build(c: _Ctx) -> Diagram:
        rng = c.rng
        d = Diagram(kind="flowchart", direction=rng.choice(["TD", "TD", "LR"]), title=c.title(en_title, zh_title))
        plain = rng.choice(["box", "round", "box"])
        for i, key in enumerate(steps):
            label = c.t(STEP[key])
            shape = "diamond" if label.endswith("?") else ("stadium" if i == 0 or key in ("resolved", "done", "end_fo")
                                                           else plain)
            d.nodes.append(Node(id=key, label=label, shape=shape))
        for e in edges:
            head, _, cond = e.partition(":")
            a, b = head.split(">")
            label = c.yes() if cond == "yes" else c.no() if cond == "no" else ""
            d.edges.append(Edge(source=a, target=b, label=label))
        if rng.random() < c.opts.insert_p:
            _insert_step(d, c)
        if rng.random() < c.opts.drop_p:
            _drop_step(d, rng)
        return d

    return build


def _insert_step(d: Diagram, c: _Ctx) -> None:
    plain = [e for e in d.edges if not e.label]
    if not plain:
        return
    e = c.rng.choice(plain)
    en, zh = c.rng.choice(_EXTRA_STEPS)
    nid = f"x{len(d.nodes)}"
    d.nodes.append(Node(id=nid, label=zh if c.lang == "zh" else en, shape="box"))
    d.edges.append(Edge(source=nid, target=e.target))
    e.target = nid


def _drop_step(d: Diagram, rng: Rng) -> None:
    """Remove one plain step that has exactly one way in and one way out, joining its neighbours."""
    cands = []
    for n in d.nodes:
        ins = [e for e in d.edges if e.target == n.id]
        outs = [e for e in d.edges if e.source == n.id]
        if (n.shape != "diamond" and len(ins) == 1 and len(outs) == 1 and not outs[0].label
                and ins[0].source != outs[0].target):
            cands.append((n, ins[0], outs[0]))
    if not cands:
        return
    n, e_in, e_out = rng.choice(cands)
    e_in.target = e_out.target
    d.edges.remove(e_out)
    d.nodes.remove(n)


# =========================================================================================
# registry, styles, generation
# =========================================================================================

FAMILIES: dict[str, tuple[str, Callable[[_Ctx], Diagram], float]] = {}
for _n in _FLOWS:
    FAMILIES[f"callflow.{_n}"] = ("sequence", _sequence(_n), 1.0)
for _n in _FSMS:
    FAMILIES[f"fsm.{_n}"] = ("state", _state(_n), 1.2)
for _n, _f in (("campus", _campus), ("leaf_spine", _leaf_spine), ("wan_mpls", _wan_mpls), ("vlans", _vlans),
               ("ran_core", _ran_core)):
    FAMILIES[f"topology.{_n}"] = ("topology", _f, 1.2)
for _n, _f in (("5gc_sba", _sba), ("oran", _oran), ("microservices", _microservices)):
    FAMILIES[f"architecture.{_n}"] = ("architecture", _f, 1.3)
for _n in _STACKS:
    FAMILIES[f"stack.{_n}"] = ("protocol_stack", _stack(_n), 0.5)
for _n in _CHARTS:
    FAMILIES[f"flowchart.{_n}"] = ("flowchart", _flowchart(_n), 1.6)

_FONTS = [None, None, "DejaVu Sans", "Liberation Sans", "Liberation Serif", "DejaVu Sans Mono", "Noto Sans CJK SC"]
_CURVES = [None, None, "basis", "linear", "step", "monotoneX", "cardinal"]


def sample_style(rng: Rng, kind: str, opts: GenOptions) -> Style:
    theme = rng.choice(["default", "default", "neutral", "dark", "forest", "base"])
    background = {"dark": rng.choice(["#1e1e1e", "#222831", "#333333"])}.get(theme, rng.choice(
        ["white", "white", "white", "#f8f8f8", "#fffdf5"]))
    renderer = "graphviz" if kind == "topology" and rng.random() < opts.graphviz_p else "mermaid"
    return Style(renderer=renderer, theme=theme, background=background, font_family=rng.choice(_FONTS),
                 curve=rng.choice(_CURVES), scale=rng.choice([1.0, 1.0, 1.5, 2.0]),
                 width=rng.choice([800, 1000, 1200, 1400]), engine=rng.choice(["dot", "neato", "circo", "fdp"]),
                 dpi=rng.choice([72, 96, 120, 150]),
                 node_shape=rng.choice(["box", "ellipse", "box3d", "component", "rect"]))


def _pick_family(rng: Rng, opts: GenOptions) -> str:
    names = opts.families or list(FAMILIES)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise ConfigError(f"families: unknown {unknown}; allowed: {sorted(FAMILIES)}")
    weights = [FAMILIES[n][2] for n in names]
    return rng.choices(names, weights)[0]


def generate_one(seed: int, index: int, opts: GenOptions | None = None) -> SynthDiagram:
    """Item ``index`` of the run with ``seed``: the same arguments always give the same item."""
    opts = opts or GenOptions()
    rng = random.Random(f"dicmodel-synth:{seed}:{index}")
    family = _pick_family(rng, opts)
    kind, build, _ = FAMILIES[family]
    lang: Lang = opts.lang if opts.lang != "mixed" else rng.choice(["en", "en", "zh", "mixed"])  # type: ignore
    d = build(_Ctx(rng, lang, opts))
    style = sample_style(rng, kind, opts)
    if kind in ("topology", "architecture"):
        d.direction = rng.choice(["TD", "LR"])
    if d.direction == "LR" and kind != "sequence" and style.renderer == "mermaid":
        # long left-to-right charts are shrunk to the viewport width: give them room to stay legible
        style.width = max(style.width, 2400)
    if style.renderer == "graphviz" and style.engine not in ("dot", "fdp"):
        d.groups = []  # neato/circo draw no clusters: the caption must not mention what is not drawn
    return SynthDiagram(id=f"s{seed}-{index:06d}", seed=seed, index=index, family=family, kind=kind, lang=lang,
                        diagram=d, style=style)


def generate(n: int, seed: int = 0, opts: GenOptions | None = None, start: int = 0) -> Iterator[SynthDiagram]:
    """Items ``start .. start+n-1`` of the run with ``seed`` (a generator)."""
    if n < 0:
        raise ConfigError(f"n must be >= 0, got {n}")
    for i in range(start, start + n):
        yield generate_one(seed, i, opts)


# =========================================================================================
# text forms for the renderers
# =========================================================================================

def mermaid_text(d: Diagram) -> str:
    """Mermaid for rendering: the title (when set) as front matter, which mermaid draws."""
    body = d.to_mermaid()
    if not d.title or body.startswith("---"):  # newer Diagram.to_mermaid writes the title itself
        return body
    title = d.title.replace('"', "'")
    return f'---\ntitle: "{title}"\n---\n{body}'


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(d: Diagram, style: Style) -> str:
    """Graphviz text for a diagram (topologies): undirected links, clusters for groups."""
    directed = any(e.directed for e in d.edges)
    op = "->" if directed else "--"
    font = style.font_family or "DejaVu Sans"
    dark = style.theme == "dark"
    fg = "white" if dark else "black"
    fill = {"dark": "#444444", "forest": "#cde498", "neutral": "#eeeeee"}.get(style.theme, "#ececff")
    lines = [f"{'digraph' if directed else 'graph'} G {{",
             (f"  graph [layout={style.engine}, bgcolor={_dot_quote(style.background)}, "
              f"fontname={_dot_quote(font)}, fontcolor={fg}, overlap=false, splines=true, "
              f"rankdir={'LR' if d.direction == 'LR' else 'TB'}];"),
             (f"  node [shape={style.node_shape}, style=filled, fillcolor={_dot_quote(fill)}, color={fg}, "
              f"fontcolor={fg}, fontname={_dot_quote(font)}];"),
             f"  edge [color={fg}, fontcolor={fg}, fontname={_dot_quote(font)}, fontsize=10];"]
    if d.title:
        lines.append(f"  label={_dot_quote(d.title)}; labelloc=t;")
    grouped = set()
    for k, g in enumerate(d.groups):
        lines.append(f"  subgraph cluster_{k} {{ label={_dot_quote(g.label or g.id)};")
        for m in g.members:
            grouped.add(m)
            lines.append(f"    {_dot_quote(m)} [label={_dot_quote(d.label_of(m))}];")
        lines.append("  }")
    for n in d.nodes:
        if n.id not in grouped:
            lines.append(f"  {_dot_quote(n.id)} [label={_dot_quote(n.text)}];")
    for e in d.edges:
        lab = f" [label={_dot_quote(e.label)}]" if e.label else ""
        lines.append(f"  {_dot_quote(e.source)} {op} {_dot_quote(e.target)}{lab};")
    lines.append("}")
    return "\n".join(lines) + "\n"
