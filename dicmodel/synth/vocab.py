"""Bilingual ICT vocabulary for the diagram generator.

A :class:`Term` has an English form, a Chinese form and English variants (spellings a document
may use instead: "gNB" / "gNodeB"). :func:`say` picks the form for a language; ``"mixed"``
writes "English (中文)" for descriptive terms. Acronyms (AMF, SYN, N2) stay as they are in
every language, as Chinese ICT documents write them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["EVENT", "LAYER", "LINK", "MSG", "NF", "STATE", "STEP", "Lang", "T", "Term", "say"]

Lang = Literal["en", "zh", "mixed"]


@dataclass(frozen=True)
class Term:
    en: str
    zh: str = ""
    variants: tuple[str, ...] = field(default_factory=tuple)

    @property
    def acronym(self) -> bool:
        return not self.zh


def T(en: str, zh: str = "", *variants: str) -> Term:
    return Term(en, zh, tuple(variants))


def say(term: Term | str, lang: Lang = "en", rng: random.Random | None = None, variant_p: float = 0.0) -> str:
    """The label for ``term`` in ``lang``; with ``rng`` and ``variant_p`` an English variant may replace it."""
    if isinstance(term, str):
        return term
    en = term.en
    if rng is not None and term.variants and rng.random() < variant_p:
        en = rng.choice(term.variants)
    if term.acronym or lang == "en":
        return en
    if lang == "zh":
        return term.zh
    return f"{en} ({term.zh})"


# ---- network functions, nodes, participants -----------------------------------------------
NF = {
    "UE": T("UE", "", "User Equipment", "Mobile Station"),
    "eNB": T("eNB", "", "eNodeB"),
    "gNB": T("gNB", "", "gNodeB", "NG-RAN"),
    "MME": T("MME", "", "Mobility Management Entity"),
    "HSS": T("HSS", "", "Home Subscriber Server"),
    "SGW": T("S-GW", "", "Serving Gateway", "SGW"),
    "PGW": T("P-GW", "", "PDN Gateway", "PGW"),
    "PCRF": T("PCRF"),
    "AMF": T("AMF", "", "Access and Mobility Management Function"),
    "SMF": T("SMF", "", "Session Management Function"),
    "UPF": T("UPF", "", "User Plane Function"),
    "AUSF": T("AUSF"),
    "UDM": T("UDM", "", "Unified Data Management"),
    "PCF": T("PCF", "", "Policy Control Function"),
    "NRF": T("NRF"),
    "NSSF": T("NSSF"),
    "NEF": T("NEF"),
    "AF": T("AF"),
    "UDR": T("UDR"),
    "DN": T("Data Network", "数据网络", "DN", "Internet"),
    "Alice": T("Alice UA", "主叫用户代理", "Alice", "Caller"),
    "Bob": T("Bob UA", "被叫用户代理", "Bob", "Callee"),
    "Proxy": T("SIP Proxy", "SIP代理", "Proxy Server", "P-CSCF"),
    "Registrar": T("Registrar", "注册服务器", "S-CSCF"),
    "Client": T("Client", "客户端", "Host A"),
    "Server": T("Server", "服务器", "Host B"),
    "DHCPClient": T("DHCP Client", "DHCP客户端", "Host"),
    "Relay": T("DHCP Relay", "DHCP中继", "Relay Agent"),
    "DHCPServer": T("DHCP Server", "DHCP服务器"),
    "User": T("User", "用户", "Resource Owner", "End User"),
    "App": T("Client App", "客户端应用", "Relying Party", "Web App"),
    "AuthZ": T("Authorization Server", "授权服务器", "OpenID Provider", "IdP"),
    "API": T("Resource Server", "资源服务器", "API Server"),
    "RouterA": T("Router A", "路由器A", "R1", "PE1"),
    "RouterB": T("Router B", "路由器B", "R2", "PE2"),
    "Browser": T("Browser", "浏览器", "User Agent"),
}

# ---- messages -----------------------------------------------------------------------------
MSG = {
    "rrc_req": T("RRC Connection Request", "RRC连接请求", "RRCConnectionRequest"),
    "rrc_setup": T("RRC Connection Setup", "RRC连接建立", "RRCConnectionSetup"),
    "rrc_complete": T("RRC Connection Setup Complete", "RRC连接建立完成"),
    "attach_req": T("Attach Request", "附着请求"),
    "attach_acc": T("Attach Accept", "附着接受"),
    "attach_cmp": T("Attach Complete", "附着完成"),
    "auth_req": T("Authentication Request", "鉴权请求", "Auth Request"),
    "auth_resp": T("Authentication Response", "鉴权响应", "Auth Response"),
    "air": T("Authentication Information Request", "鉴权信息请求", "AIR"),
    "aia": T("Authentication Information Answer", "鉴权信息应答", "AIA"),
    "smc": T("Security Mode Command", "安全模式命令"),
    "smc_cmp": T("Security Mode Complete", "安全模式完成"),
    "ulr": T("Update Location Request", "位置更新请求", "ULR"),
    "ula": T("Update Location Answer", "位置更新应答", "ULA"),
    "csr": T("Create Session Request", "创建会话请求"),
    "csresp": T("Create Session Response", "创建会话响应"),
    "ics_req": T("Initial Context Setup Request", "初始上下文建立请求"),
    "ics_resp": T("Initial Context Setup Response", "初始上下文建立响应"),
    "mbr": T("Modify Bearer Request", "修改承载请求"),
    "mbresp": T("Modify Bearer Response", "修改承载响应"),
    "ident_req": T("Identity Request", "身份请求"),
    "ident_resp": T("Identity Response", "身份响应"),
    "reg_req": T("Registration Request", "注册请求"),
    "reg_acc": T("Registration Accept", "注册接受"),
    "reg_cmp": T("Registration Complete", "注册完成"),
    "ue_auth": T("Nausf_UEAuthentication_Authenticate", "", "UE Authentication"),
    "get_av": T("Nudm_UEAuthentication_Get", "", "Get Auth Vector"),
    "uecm_reg": T("Nudm_UECM_Registration", "", "UECM Registration"),
    "sdm_get": T("Nudm_SDM_Get", "", "Get Subscription Data"),
    "am_policy": T("Npcf_AMPolicyControl_Create", "", "AM Policy Create"),
    "pdu_req": T("PDU Session Establishment Request", "PDU会话建立请求"),
    "pdu_acc": T("PDU Session Establishment Accept", "PDU会话建立接受"),
    "sm_create": T("Nsmf_PDUSession_CreateSMContext", "", "Create SM Context"),
    "sm_create_resp": T("Nsmf_PDUSession_CreateSMContext Response", "", "SM Context Created"),
    "pfcp_est": T("PFCP Session Establishment Request", "PFCP会话建立请求", "N4 Session Establishment"),
    "pfcp_est_resp": T("PFCP Session Establishment Response", "PFCP会话建立响应"),
    "n1n2": T("Namf_Communication_N1N2MessageTransfer", "", "N1N2 Message Transfer"),
    "pdu_res_setup": T("PDU Session Resource Setup Request", "PDU会话资源建立请求"),
    "pdu_res_resp": T("PDU Session Resource Setup Response", "PDU会话资源建立响应"),
    "sm_policy": T("Npcf_SMPolicyControl_Create", "", "SM Policy Create"),
    "invite": T("INVITE"), "trying": T("100 Trying"), "ringing": T("180 Ringing"),
    "ok200": T("200 OK"), "ack": T("ACK"), "bye": T("BYE"), "register": T("REGISTER"),
    "unauth401": T("401 Unauthorized"),
    "syn": T("SYN"), "synack": T("SYN-ACK", "", "SYN+ACK"), "tack": T("ACK"),
    "data": T("Data", "数据", "Payload"), "fin": T("FIN"), "finack": T("FIN-ACK", "", "FIN+ACK"),
    "ch": T("ClientHello"), "sh": T("ServerHello"), "ee": T("EncryptedExtensions"),
    "cert": T("Certificate"), "cv": T("CertificateVerify"), "sfin": T("Finished (server)"),
    "cfin": T("Finished (client)"), "appdata": T("Application Data", "应用数据"),
    "discover": T("DHCPDISCOVER", "", "DHCP Discover"), "offer": T("DHCPOFFER", "", "DHCP Offer"),
    "request": T("DHCPREQUEST", "", "DHCP Request"), "dack": T("DHCPACK", "", "DHCP Ack"),
    "authz_req": T("Authorization Request", "授权请求", "GET /authorize"),
    "login": T("Login and Consent", "登录并授权"),
    "code": T("Authorization Code", "授权码", "302 Redirect with code"),
    "token_req": T("Token Request", "令牌请求", "POST /token"),
    "token_resp": T("Access Token and ID Token", "访问令牌和ID令牌", "Token Response"),
    "api_call": T("API Request with Bearer Token", "携带令牌的API请求", "GET /resource"),
    "api_resp": T("Protected Resource", "受保护资源", "200 OK with data"),
    "userinfo": T("UserInfo Request", "用户信息请求", "GET /userinfo"),
    "tcp_conn": T("TCP connection on port 179", "TCP 179端口连接", "TCP 3-way handshake"),
    "open": T("OPEN"), "keepalive": T("KEEPALIVE"), "update": T("UPDATE"),
    "notification": T("NOTIFICATION"), "route_refresh": T("ROUTE-REFRESH"),
}

# ---- states -------------------------------------------------------------------------------
STATE = {
    "CLOSED": T("CLOSED"), "LISTEN": T("LISTEN"), "SYN_SENT": T("SYN_SENT", "", "SYN-SENT"),
    "SYN_RCVD": T("SYN_RCVD", "", "SYN-RECEIVED"), "ESTABLISHED": T("ESTABLISHED"),
    "FIN_WAIT_1": T("FIN_WAIT_1", "", "FIN-WAIT-1"), "FIN_WAIT_2": T("FIN_WAIT_2", "", "FIN-WAIT-2"),
    "CLOSING": T("CLOSING"), "TIME_WAIT": T("TIME_WAIT", "", "TIME-WAIT"),
    "CLOSE_WAIT": T("CLOSE_WAIT", "", "CLOSE-WAIT"), "LAST_ACK": T("LAST_ACK", "", "LAST-ACK"),
    "RRC_IDLE": T("RRC_IDLE", "RRC空闲态", "RRC IDLE"),
    "RRC_CONNECTED": T("RRC_CONNECTED", "RRC连接态", "RRC CONNECTED"),
    "RRC_INACTIVE": T("RRC_INACTIVE", "RRC非激活态", "RRC INACTIVE"),
    "DEREG": T("DEREGISTERED", "去注册态", "MM-DEREGISTERED"),
    "REG_INIT": T("REGISTERED-INITIATED", "注册发起态", "REGISTRATION-INITIATED"),
    "REG": T("REGISTERED", "注册态", "MM-REGISTERED"),
    "DEREG_INIT": T("DEREGISTERED-INITIATED", "去注册发起态"),
    "SR_INIT": T("SERVICE-REQUEST-INITIATED", "业务请求发起态"),
    "TAU_INIT": T("TAU-INITIATED", "跟踪区更新发起态"),
    "Idle": T("Idle", "空闲"), "Connect": T("Connect", "连接"), "Active": T("Active", "活跃"),
    "OpenSent": T("OpenSent"), "OpenConfirm": T("OpenConfirm"), "Established": T("Established", "已建立"),
}

# ---- events -------------------------------------------------------------------------------
EVENT = {
    "passive_open": T("passive open", "被动打开"), "active_open": T("active open / send SYN", "主动打开/发送SYN"),
    "rcv_syn": T("receive SYN / send SYN-ACK", "收到SYN/发送SYN-ACK"),
    "rcv_synack": T("receive SYN-ACK / send ACK", "收到SYN-ACK/发送ACK"),
    "rcv_ack": T("receive ACK", "收到ACK"), "close_fin": T("close / send FIN", "关闭/发送FIN"),
    "rcv_fin": T("receive FIN / send ACK", "收到FIN/发送ACK"), "timeout_2msl": T("2MSL timeout", "2MSL超时"),
    "close": T("close", "关闭"), "rcv_ack_fin": T("receive ACK of FIN", "收到FIN的ACK"),
    "rrc_setup": T("RRC Setup", "RRC建立"), "rrc_release": T("RRC Release", "RRC释放"),
    "rrc_suspend": T("RRC Release with suspend", "带挂起的RRC释放"), "rrc_resume": T("RRC Resume", "RRC恢复"),
    "rlf": T("radio link failure", "无线链路失败"),
    "reg_req": T("send Registration Request", "发送注册请求"), "reg_acc": T("Registration Accept", "注册接受"),
    "reg_rej": T("Registration Reject", "注册拒绝"), "dereg_req": T("send Deregistration Request", "发送去注册请求"),
    "dereg_acc": T("Deregistration Accept", "去注册接受"), "sr": T("send Service Request", "发送业务请求"),
    "sr_acc": T("Service Accept", "业务接受"), "tau": T("send TAU Request", "发送TAU请求"),
    "tau_acc": T("TAU Accept", "TAU接受"), "implicit_dereg": T("implicit deregistration", "隐式去注册"),
    "start": T("ManualStart", "手动启动"), "tcp_ok": T("TCP connection succeeds", "TCP连接成功"),
    "tcp_fail": T("TCP connection fails", "TCP连接失败"), "retry": T("ConnectRetryTimer expires", "重连定时器超时"),
    "open_rcv": T("OPEN received", "收到OPEN"), "ka_rcv": T("KEEPALIVE received", "收到KEEPALIVE"),
    "hold_exp": T("HoldTimer expires", "保持定时器超时"), "notif": T("NOTIFICATION received", "收到NOTIFICATION"),
    "stop": T("ManualStop", "手动停止"),
}

# ---- flowchart steps and decisions ------------------------------------------------------------
STEP = {
    "start_ts": T("Link down alarm", "链路中断告警"), "chk_phy": T("Physical link up?", "物理链路正常?"),
    "chk_cable": T("Check cable and optics", "检查线缆和光模块"), "chk_if": T("Interface admin up?", "接口管理状态开启?"),
    "no_shut": T("Run no shutdown", "执行 no shutdown"), "chk_ip": T("IP address configured?", "IP地址已配置?"),
    "cfg_ip": T("Configure IP address", "配置IP地址"), "ping": T("Ping gateway OK?", "网关可达?"),
    "chk_route": T("Check routing table", "检查路由表"), "chk_arp": T("Check ARP entries", "检查ARP表项"),
    "escalate": T("Escalate to NOC", "升级至网管中心"), "resolved": T("Issue resolved", "问题已解决"),
    "start_pv": T("New subscriber order", "新用户订单"), "valid": T("Order valid?", "订单有效?"),
    "reject": T("Reject order", "拒绝订单"), "alloc_imsi": T("Allocate IMSI and MSISDN", "分配IMSI和MSISDN"),
    "prov_hss": T("Provision HSS/UDM profile", "在HSS/UDM开户"), "prov_pcrf": T("Provision policy in PCF", "在PCF配置策略"),
    "prov_ok": T("Provisioning succeeded?", "开通成功?"), "rollback": T("Roll back changes", "回滚变更"),
    "notify": T("Notify customer", "通知用户"), "done": T("Service active", "业务已开通"),
    "start_fo": T("Primary link failure detected", "检测到主链路故障"), "bfd": T("BFD session down?", "BFD会话中断?"),
    "switch": T("Switch traffic to backup path", "切换流量到备份路径"), "bkp_ok": T("Backup path healthy?", "备份路径正常?"),
    "alarm": T("Raise critical alarm", "产生严重告警"), "monitor": T("Monitor primary link", "监控主链路"),
    "restored": T("Primary restored?", "主链路恢复?"), "revert": T("Revert to primary after hold timer", "保持定时器后回切主链路"),
    "false_alarm": T("Log false alarm", "记录误告警"), "end_fo": T("Normal operation", "恢复正常运行"),
}

# ---- link labels ----------------------------------------------------------------------------
LINK = {
    "mpls": T("MPLS", "", "MPLS LSP"), "ldp": T("LDP"), "ebgp": T("eBGP"), "ibgp": T("iBGP"),
    "trunk": T("802.1Q trunk", "802.1Q中继", "trunk"), "access": T("access port", "接入端口"),
    "uplink": T("uplink", "上行链路"), "lag": T("LACP bundle", "LACP聚合", "Port-channel"),
    "fiber": T("fiber", "光纤"), "wan": T("WAN link", "广域网链路"), "vpn": T("IPsec VPN", "IPsec隧道"),
}

# ---- protocol stack layers ------------------------------------------------------------------
LAYER = {
    "app": T("Application", "应用层"), "pres": T("Presentation", "表示层"), "sess": T("Session", "会话层"),
    "trans": T("Transport", "传输层"), "net": T("Network", "网络层"), "link": T("Data Link", "数据链路层"),
    "phy": T("Physical", "物理层"), "inet": T("Internet", "网际层"), "netacc": T("Network Access", "网络接入层"),
    "nas": T("NAS"), "rrc": T("RRC"), "sdap": T("SDAP"), "pdcp": T("PDCP"), "rlc": T("RLC"), "mac": T("MAC"),
    "PHY": T("PHY"), "gtpu": T("GTP-U"), "udp": T("UDP"), "ip": T("IP"), "l2": T("L2"), "l1": T("L1"),
    "ngap": T("NGAP"), "sctp": T("SCTP"), "http2": T("HTTP/2"), "tcp": T("TCP"), "tls": T("TLS"),
}
