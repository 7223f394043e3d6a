"""The Chinese words the demo database is made of: staff, owner names, phones, buildings, and the
matters a property-management desk hears, each with how it is typically investigated and settled.

Pure data for ``demo.py``. Placeholders in the texts are filled per case: ``{b}`` building, ``{u}``
unit, ``{r}`` room, ``{fl}`` floor, ``{up}`` / ``{down}`` / ``{next}`` the neighbouring rooms,
``{n}`` a small number, ``{staff}`` / ``{dept}`` the staff member a complaint is about.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffSeed:
    login: str
    name: str
    role: str
    department: str | None
    active: bool = True


# The logins the tests and the docs rely on (wang, li, chen, zhao, sun) come first.
ROSTER: tuple[StaffSeed, ...] = (
    StaffSeed("wang", "王芳", "supervisor", "customer_service"),
    StaffSeed("li", "李强", "handler", "engineering"),
    StaffSeed("chen", "陈静", "handler", "customer_service"),
    StaffSeed("zhao", "赵敏", "desk", "customer_service"),
    StaffSeed("sun", "孙磊", "admin", None),
    StaffSeed("gao", "高建华", "supervisor", "engineering"),
    StaffSeed("liu", "刘伟", "handler", "engineering"),
    StaffSeed("huang", "黄志勇", "handler", "engineering"),
    StaffSeed("yang", "杨丽", "handler", "customer_service"),
    StaffSeed("xie", "谢婷", "handler", "customer_service"),
    StaffSeed("wu", "吴军", "handler", "security"),
    StaffSeed("xu", "徐刚", "handler", "security"),
    StaffSeed("ma", "马超", "handler", "security"),
    StaffSeed("hu", "胡秀英", "handler", "environment"),
    StaffSeed("guo", "郭芳", "handler", "environment"),
    StaffSeed("he", "何平", "handler", "environment"),
    StaffSeed("lin", "林小雨", "desk", "customer_service"),
    StaffSeed("luo", "罗佳", "desk", "customer_service"),
    # A former colleague: listed (inactive), never given work.
    StaffSeed("qian", "钱文斌", "handler", "engineering", active=False),
)
# Handlers for departments a centre's own policy adds (login, name).
EXTRA_HANDLERS: tuple[tuple[str, str], ...] = (
    ("zheng", "郑浩"),
    ("song", "宋雨"),
    ("tang", "唐磊"),
    ("han", "韩梅"),
    ("feng", "冯涛"),
    ("deng", "邓洁"),
    ("cao", "曹阳"),
    ("peng", "彭飞"),
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAMES = (
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华 建国 志强 海燕 雪梅 晓东 国庆 "
    "春梅 文博 子涵 浩然 欣怡 俊杰 梓萱 宇航 思远 佳怡 玉兰 凤英 德华 振华 丽华 淑珍 红梅 永强 宏伟 婷婷"
).split()
# Chinese mobile prefixes in use (three digits; eight random digits follow).
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 173 176 177 "
    "180 181 182 183 185 186 187 188 189 191 193 195 198 199"
).split()
# A few owners give a landline: (area code, number length).
LANDLINE_AREAS = (("0755", 8), ("021", 8), ("010", 8), ("020", 8), ("0571", 8), ("0769", 8))

# Buildings (栋): the first four are the oldest and lowest, and need more repairs.
BUILDINGS: tuple[tuple[str, int], ...] = tuple((f"{n}栋", 18 if n <= 4 else 26 if n <= 8 else 33) for n in range(1, 13))
UNITS = ("1", "2", "3")
ROOMS_PER_FLOOR = 4

WHEN_PHRASES = (
    "今天早上",
    "昨天晚上十点左右",
    "这周以来",
    "最近半个月",
    "今天下午",
    "前天开始",
    "上周末",
    "每天晚上",
    "刚才",
    "连续三天",
)


@dataclass(frozen=True)
class Referral:
    """How a matter is handed to an outside authority when it is not the centre's to fix (S3.2)."""

    authority: str
    explanation: str
    responsibility: str  # third_party or none
    valid: bool
    validity_reason: str


@dataclass(frozen=True)
class Matter:
    """One kind of complaint, with the record of a typical investigation and settlement."""

    key: str
    category: str
    weight: int
    object_kind: str
    object_text: str
    what: str
    where: str
    state: str
    demand: str
    notes: tuple[tuple[str, str, str], ...]  # (note kind, person, content)
    cause: str
    cause_text: str
    responsibility: str
    measures: str
    resources: str
    tasks: tuple[tuple[str, str, str], ...]  # (department, what, result)
    result: str
    referral: Referral | None = None
    # Neighbour disputes (S2.5): the two statements, and who the other party is.
    complainant_says: str = ""
    respondent: str = ""
    respondent_says: str = ""
    evidence_hint: str = "现场照片"


_SITE = "site_inspection"
_RECORD = "record_check"
_INTERVIEW = "interview"
_RULE = "rule_check"
_OTHER = "other"

MATTERS: tuple[Matter, ...] = (
    # --- repair (报修类) --------------------------------------------------------------
    Matter(
        key="leak_upstairs",
        category="repair",
        weight=12,
        object_kind="property_part",
        object_text="卫生间天花板",
        what="楼上{up}卫生间漏水，我家卫生间天花板渗水、墙面起皮发霉",
        where="{b}{u}单元{r}主卫",
        state="仍在滴水，已用桶接水",
        demand="尽快查明漏点并维修，修复天花板",
        notes=(
            (_SITE, "工程部维修员", "入户查看：{r}主卫吊顶约0.5平方米水渍，楼上{up}地漏周边防水层老化开裂"),
            (_RECORD, "", "查询维修记录：该位置去年曾因渗漏维修过一次，保修期已过"),
            (_INTERVIEW, "{up}业主", "联系{up}业主，同意配合入户做闭水试验"),
        ),
        cause="facility_fault",
        cause_text="楼上卫生间防水层老化导致渗漏",
        responsibility="shared",
        measures="协调{up}业主重做卫生间防水，修复{r}主卫吊顶和墙面",
        resources="防水涂料、吊顶板材，维修工2人",
        tasks=(
            ("engineering", "对{up}卫生间做闭水试验并重做防水层", "已重做防水，闭水试验48小时无渗漏"),
            ("customer_service", "协调{up}业主预约入户时间", "已与{up}业主约定周六上午入户"),
        ),
        result="漏水已止住，{r}主卫吊顶已修复",
        evidence_hint="漏水照片",
    ),
    Matter(
        key="pipe_leak",
        category="repair",
        weight=6,
        object_kind="facility",
        object_text="管道井公共给水管",
        what="{b}{u}单元{fl}楼管道井内水管漏水，楼道里到处是积水",
        where="{b}{u}单元{fl}楼管道井",
        state="水还在往外渗",
        demand="马上关阀维修，清理积水",
        notes=(
            (_SITE, "", "现场查看：管道井内给水立管三通锈蚀漏水，地面积水约2厘米"),
            (_RECORD, "", "该楼栋给水管为2008年原装镀锌管，已列入更换计划"),
        ),
        cause="facility_fault",
        cause_text="给水管件老化锈蚀",
        responsibility="property_company",
        measures="关闭单元进水阀，更换锈蚀三通并清理积水",
        resources="PPR管件、水泵，维修工2人、保洁1人",
        tasks=(
            ("engineering", "更换管道井内漏水三通", "已更换，试压无渗漏"),
            ("environment", "清理楼道积水并消毒", "积水已清理，地面已干"),
        ),
        result="漏水管件已更换，楼道积水已清理",
        evidence_hint="漏水照片",
    ),
    Matter(
        key="elevator",
        category="repair",
        weight=9,
        object_kind="facility",
        object_text="{b}{u}单元2号电梯",
        what="电梯故障：近一周频繁停运，{when_}还困人十多分钟",
        where="{b}{u}单元电梯厅",
        state="电梯已恢复运行但仍有异响",
        demand="彻底检修电梯，公布维保记录",
        notes=(
            (_SITE, "电梯维保单位技术员", "会同维保单位检查：曳引机制动器闸瓦磨损，门机皮带松动"),
            (_RECORD, "", "调取维保记录：本月已报修3次，均为临时处理"),
            (_RULE, "", "对照电梯维保合同，维保单位应在48小时内彻底排除故障"),
        ),
        cause="facility_fault",
        cause_text="制动器和门机部件磨损，维保处理不彻底",
        responsibility="property_company",
        measures="督促维保单位更换制动器闸瓦和门机皮带，加密巡检并公示维保记录",
        resources="电梯配件，维保单位技术员2人",
        tasks=(("engineering", "督促电梯维保单位更换配件并出具检测报告", "配件已更换，检测报告已张贴在电梯厅"),),
        result="电梯已更换配件并通过检测，运行正常",
        evidence_hint="电梯故障视频截图",
    ),
    Matter(
        key="door_access",
        category="repair",
        weight=6,
        object_kind="facility",
        object_text="{b}{u}单元门禁",
        what="门禁失灵：单元门刷卡和人脸识别都没反应，门一直关不上",
        where="{b}{u}单元一楼大堂",
        state="单元门敞开，外人可随意进出",
        demand="尽快修好门禁，保证楼栋安全",
        notes=(
            (_SITE, "", "现场检测：门禁控制器主板烧毁，电磁锁吸合不良"),
            (_RECORD, "", "门禁系统已超出质保期，备件库存有控制器1台"),
        ),
        cause="facility_fault",
        cause_text="门禁控制器损坏",
        responsibility="property_company",
        measures="更换门禁控制器和电磁锁，维修期间安排保安值守",
        resources="门禁控制器、电磁锁，弱电工1人",
        tasks=(
            ("engineering", "更换门禁控制器和电磁锁", "已更换，刷卡和人脸识别恢复正常"),
            ("security", "门禁维修期间安排人员在单元门值守", "已安排值守至门禁修复"),
        ),
        result="门禁已恢复正常使用",
    ),
    Matter(
        key="corridor_light",
        category="repair",
        weight=4,
        object_kind="facility",
        object_text="楼道声控灯",
        what="{b}{u}单元{fl}楼到顶楼的楼道声控灯都不亮，晚上上下楼很危险",
        where="{b}{u}单元{fl}楼楼梯间",
        state="晚上一片漆黑",
        demand="尽快更换灯具",
        notes=((_SITE, "", "现场查看：{fl}楼以上6盏声控灯不亮，线路接头松脱"),),
        cause="facility_fault",
        cause_text="线路接头松脱、灯具老化",
        responsibility="property_company",
        measures="紧固线路接头，更换损坏的声控灯",
        resources="LED声控灯6盏，电工1人",
        tasks=(("engineering", "检修楼道照明线路并更换灯具", "线路已紧固，6盏灯已更换"),),
        result="楼道照明已恢复",
    ),
    Matter(
        key="drain_blocked",
        category="repair",
        weight=5,
        object_kind="property_part",
        object_text="厨房下水道",
        what="厨房下水道堵塞返水，家里一股臭味",
        where="{b}{u}单元{r}厨房",
        state="水池积水下不去",
        demand="疏通下水道，查明是不是公共管道的问题",
        notes=(
            (_SITE, "", "入户查看：{r}厨房支管通畅，公共排水立管在{fl}楼以下有油污堵塞"),
            (_INTERVIEW, "同单元住户", "询问同单元低层住户，也有排水缓慢情况"),
        ),
        cause="facility_fault",
        cause_text="公共排水立管油污淤积",
        responsibility="property_company",
        measures="疏通公共排水立管，张贴厨房油污排放提示",
        resources="高压疏通机，维修工2人",
        tasks=(("engineering", "疏通{b}{u}单元公共排水立管", "立管已疏通，排水顺畅"),),
        result="下水道已疏通，排水正常",
    ),
    Matter(
        key="wall_seepage",
        category="repair",
        weight=4,
        object_kind="property_part",
        object_text="卧室外墙",
        what="下雨后卧室外墙渗水，墙面大片发霉",
        where="{b}{u}单元{r}次卧",
        state="墙皮脱落，霉味很重",
        demand="修好外墙防水，赔偿墙面和家具损失",
        notes=(
            (_SITE, "", "现场查看：次卧外墙窗框下方有渗水痕迹，外墙保温层有裂缝"),
            (_RULE, "", "对照住宅质量保证书：外墙防水保修期五年，仍在开发商保修期内"),
        ),
        cause="third_party",
        cause_text="外墙防水施工质量问题，属开发商保修范围",
        responsibility="third_party",
        measures="协调开发商保修部门维修外墙防水，物业先做临时封堵",
        resources="吊篮作业，开发商保修单位",
        tasks=(
            ("engineering", "对渗水点做临时封堵", "已用密封胶临时封堵"),
            ("customer_service", "联系开发商保修部门安排维修", "开发商已派人勘察并排期施工"),
        ),
        result="外墙渗水点已由开发商维修完毕",
        referral=Referral(
            "housing_bureau",
            "外墙防水仍在开发商保修期内，由开发商负责维修；已协助业主向开发商报修，并告知可向区住建局投诉",
            "third_party",
            True,
            "外墙渗水属实，但责任在开发商",
        ),
    ),
    Matter(
        key="parking_gate",
        category="repair",
        weight=3,
        object_kind="facility",
        object_text="地下车库出口道闸",
        what="地下车库出口道闸经常抬不起来，早高峰排长队",
        where="地下车库B1出口",
        state="目前靠保安手动抬杆",
        demand="尽快修好道闸",
        notes=((_SITE, "", "现场检测：道闸车牌识别摄像头被遮挡，地感线圈损坏"),),
        cause="facility_fault",
        cause_text="地感线圈损坏、摄像头积尘",
        responsibility="property_company",
        measures="更换地感线圈，清洁识别摄像头，高峰期安排保安疏导",
        resources="地感线圈，道闸厂家技术员",
        tasks=(
            ("engineering", "更换道闸地感线圈", "已更换，抬杆正常"),
            ("security", "早高峰在车库出口疏导车辆", "已安排每日7:30-9:00疏导"),
        ),
        result="道闸已修复，识别正常",
    ),
    # --- complaint / suggestion (投诉建议类) ----------------------------------------
    Matter(
        key="staff_attitude",
        category="complaint",
        weight=5,
        object_kind="staff",
        object_text="{dept}{staff}",
        what="员工态度问题：{staff}在办理业务时态度生硬，说话不耐烦",
        where="物业服务中心",
        state="业主情绪不满",
        demand="要求当事员工道歉，加强员工培训",
        notes=(
            (_INTERVIEW, "投诉业主", "与业主电话沟通，详细了解事情经过"),
            (_RECORD, "", "调取服务中心前台监控录像及通话录音"),
            (_INTERVIEW, "当班同事", "约谈当时在场的其他员工，核实经过"),
        ),
        cause="service_gap",
        cause_text="员工服务意识不足，沟通方式不当",
        responsibility="property_company",
        measures="当事员工向业主当面致歉，客服部组织服务礼仪培训",
        resources="",
        tasks=(("customer_service", "组织当班员工服务礼仪培训", "培训已完成，考核合格"),),
        result="当事员工已向业主致歉，相关培训已完成",
        evidence_hint="通话录音",
    ),
    Matter(
        key="repair_delay",
        category="complaint",
        weight=5,
        object_kind="management",
        object_text="报修处理",
        what="上周报修阳台推拉门坏了，到现在都没人上门",
        where="{b}{u}单元{r}",
        state="推拉门关不严，晚上漏风",
        demand="尽快上门维修，说明拖延原因",
        notes=(
            (_RECORD, "", "查询工单：报修已受理，派单后维修员请假，工单未转派"),
            (_INTERVIEW, "工程部主管", "核实派单流程，确认工单遗漏"),
        ),
        cause="management_loophole",
        cause_text="派单后未跟踪，请假人员工单未转派",
        responsibility="property_company",
        measures="当天安排维修员上门，完善工单超时自动提醒和转派机制",
        resources="维修工1人",
        tasks=(("engineering", "上门维修阳台推拉门", "已更换滑轮，推拉门开关顺畅"),),
        result="推拉门已修好，工单转派机制已完善",
    ),
    Matter(
        key="fee_question",
        category="complaint",
        weight=4,
        object_kind="management",
        object_text="物业费收费",
        what="物业费账单里多了一项公摊水电费，没有任何说明",
        where="物业费账单",
        state="暂未缴费",
        demand="公开公摊费用明细，解释收费依据",
        notes=(
            (_RECORD, "", "调取本季度公摊水电费计算表和电表读数"),
            (_RULE, "", "对照《物业服务合同》第十二条：公共能耗按建筑面积分摊，需按季度公示"),
        ),
        cause="communication",
        cause_text="公摊费用未按合同要求提前公示",
        responsibility="property_company",
        measures="在各单元公告栏和业主APP公示公摊水电费明细，向业主逐项解释",
        resources="",
        tasks=(("customer_service", "公示本季度公摊水电费明细", "已在公告栏和APP公示"),),
        result="已公示费用明细并向业主解释，业主认可",
        evidence_hint="账单截图",
    ),
    Matter(
        key="parking_taken",
        category="complaint",
        weight=6,
        object_kind="management",
        object_text="固定车位",
        what="停车位被占：我的固定车位B2-{n}经常被外来车辆占用",
        where="地下车库B2层",
        state="今天又被占，只能临时停在路边",
        demand="加强车库管理，处理占位车辆",
        notes=(
            (_SITE, "", "现场查看：车位B2-{n}被一辆无月卡车辆占用"),
            (_RECORD, "", "调取车库进出记录，该车为访客车辆，未按规定停放"),
        ),
        cause="management_loophole",
        cause_text="访客车辆管理不严，车库巡查不到位",
        responsibility="property_company",
        measures="联系车主挪车，加强车库巡逻，访客车辆登记后引导至临时车位",
        resources="保安巡逻2人",
        tasks=(("security", "加强车库巡逻，联系占位车主挪车并登记", "已挪车，巡逻频次增至每2小时一次"),),
        result="占位车辆已挪走，车库巡查已加强",
        evidence_hint="占位车辆照片",
    ),
    Matter(
        key="suggestion_lockers",
        category="complaint",
        weight=2,
        object_kind="management",
        object_text="小区公共设施",
        what="建议在{b}楼下增设快递柜和非机动车充电桩",
        where="{b}楼下空地",
        state="目前快递堆在大堂",
        demand="希望物业研究增设",
        notes=((_RULE, "", "查阅小区规划和消防要求，{b}楼下空地可设置快递柜"),),
        cause="expectation",
        cause_text="业主对公共设施有新的需求",
        responsibility="property_company",
        measures="征询业主意见后联系快递柜运营商安装，充电桩报业委会审议",
        resources="",
        tasks=(("customer_service", "在业主群征询增设快递柜意见", "征询完成，八成以上业主同意"),),
        result="快递柜已确定安装位置，充电桩方案已提交业委会",
    ),
    # --- neighbour dispute (邻里纠纷类) ---------------------------------------------
    Matter(
        key="noise",
        category="neighbour_dispute",
        weight=8,
        object_kind="management",
        object_text="楼上{up}住户",
        what="噪音扰民：楼上{up}每天晚上十一点以后还有拖拽家具和小孩跑跳的声音，严重影响休息",
        where="{b}{u}单元{r}",
        state="已上楼沟通过一次，没有改善",
        demand="请物业出面协调，晚上十点后保持安静",
        notes=((_SITE, "", "晚上23点在{r}室内听到明显跑跳声"),),
        complainant_says="连续两周每晚23点后有噪音，家中老人失眠，已上楼沟通未果",
        respondent="{up}业主",
        respondent_says="家中有两岁小孩，晚上会注意；否认有拖拽家具",
        cause="communication",
        cause_text="邻里作息差异，双方缺乏沟通",
        responsibility="third_party",
        measures="组织双方当面调解，建议{up}业主铺设地垫，约定晚上22点后保持安静",
        resources="",
        tasks=(("customer_service", "组织双方调解并形成书面调解记录", "双方已签署调解记录"),),
        result="双方达成调解协议，{up}已铺设地垫",
        referral=Referral(
            "mediation",
            "双方经物业两次调解仍未达成一致，建议向社区人民调解委员会申请调解，已提供联系方式",
            "third_party",
            True,
            "噪音属实，系邻里之间的民事纠纷",
        ),
        evidence_hint="噪音录音",
    ),
    Matter(
        key="pet",
        category="neighbour_dispute",
        weight=4,
        object_kind="management",
        object_text="同单元养犬住户",
        what="{b}{u}单元有住户养大型犬不牵绳，还在楼道里随地大小便",
        where="{b}{u}单元楼道及电梯",
        state="孩子不敢单独坐电梯",
        demand="要求养犬住户文明养犬，清理楼道",
        notes=((_RECORD, "", "调取电梯监控，确认{next}住户遛狗未牵绳"),),
        complainant_says="多次在电梯里遇到未牵绳的大型犬，楼道里有狗粪",
        respondent="{next}业主",
        respondent_says="承认有时没牵绳，同意以后牵绳并及时清理",
        cause="third_party",
        cause_text="个别住户未文明养犬",
        responsibility="third_party",
        measures="约谈养犬住户签署文明养犬承诺书，清理楼道并张贴文明养犬提示",
        resources="保洁1人",
        tasks=(
            ("customer_service", "约谈养犬住户签署文明养犬承诺书", "已签署承诺书"),
            ("environment", "清理并消毒楼道和电梯", "已清理消毒"),
        ),
        result="养犬住户已承诺文明养犬，楼道已清理",
    ),
    Matter(
        key="corridor_clutter",
        category="neighbour_dispute",
        weight=3,
        object_kind="management",
        object_text="隔壁{next}住户",
        what="隔壁{next}把鞋柜和杂物堆在楼道里，占用公共通道",
        where="{b}{u}单元{fl}楼公共走廊",
        state="杂物越堆越多",
        demand="请物业督促清理",
        notes=((_SITE, "", "现场查看：{fl}楼走廊堆放鞋柜一个、纸箱若干，影响通行"),),
        complainant_says="隔壁长期在走廊堆放杂物，出入不便，也有消防隐患",
        respondent="{next}业主",
        respondent_says="家里放不下，同意一周内清理",
        cause="third_party",
        cause_text="住户占用公共区域堆放杂物",
        responsibility="third_party",
        measures="书面告知{next}住户限期清理，逾期由物业协助清理",
        resources="",
        tasks=(("customer_service", "书面告知{next}住户限期清理楼道杂物", "住户已自行清理"),),
        result="楼道杂物已清理完毕",
    ),
    Matter(
        key="renovation_noise",
        category="neighbour_dispute",
        weight=3,
        object_kind="management",
        object_text="楼下{down}装修户",
        what="楼下{down}装修，周末早上七点就开始电钻施工",
        where="{b}{u}单元{down}",
        state="每个周末都这样",
        demand="要求按装修管理规定的时间施工",
        notes=((_RULE, "", "对照《装修管理规定》：周末及节假日禁止噪音施工"),),
        complainant_says="连续三个周末早上七点电钻施工，影响休息",
        respondent="{down}装修负责人",
        respondent_says="工期紧，承认周末施工，同意整改",
        cause="third_party",
        cause_text="装修户违反装修管理规定施工",
        responsibility="third_party",
        measures="向{down}装修户发整改通知，周末派保安巡查装修时间",
        resources="",
        tasks=(("security", "周末巡查{down}装修施工时间", "连续两个周末巡查，未再违规施工"),),
        result="装修户已按规定时间施工",
    ),
    Matter(
        key="ac_drip",
        category="neighbour_dispute",
        weight=2,
        object_kind="management",
        object_text="楼上{up}空调外机",
        what="楼上{up}空调外机滴水，打在我家窗台上噼啪响",
        where="{b}{u}单元{r}卧室窗台",
        state="晚上开空调时一直滴",
        demand="请楼上加装冷凝水管",
        notes=((_SITE, "", "现场查看：{up}空调冷凝水管脱落，滴水至{r}窗台"),),
        complainant_says="每晚滴水声影响睡眠，窗台长了青苔",
        respondent="{up}业主",
        respondent_says="不知道水管脱落，同意修复",
        cause="third_party",
        cause_text="楼上空调冷凝水管脱落",
        responsibility="third_party",
        measures="协调{up}业主接好冷凝水管，工程部协助安装",
        resources="冷凝水管3米",
        tasks=(("engineering", "协助{up}业主接好空调冷凝水管", "水管已接入排水立管"),),
        result="冷凝水管已接好，不再滴水",
    ),
    # --- safety (安全类) ------------------------------------------------------------
    Matter(
        key="fire_lane",
        category="safety",
        weight=4,
        object_kind="facility",
        object_text="消防通道",
        what="{b}楼下消防通道被私家车长期占用",
        where="{b}北侧消防通道",
        state="消防车无法通行",
        demand="立即清理消防通道，杜绝占用",
        notes=((_SITE, "", "现场查看：消防通道停放私家车3辆"),),
        cause="management_loophole",
        cause_text="消防通道巡查不到位，缺少禁停设施",
        responsibility="property_company",
        measures="联系车主挪车，消防通道加装禁停标识和地锁，纳入每日巡查",
        resources="地锁4个、禁停标识",
        tasks=(("security", "联系车主挪车并在消防通道加装地锁", "车辆已挪走，地锁已安装"),),
        result="消防通道已清理并加装禁停设施",
        evidence_hint="占用照片",
    ),
    Matter(
        key="falling_objects",
        category="safety",
        weight=3,
        object_kind="management",
        object_text="高空抛物",
        what="{b}有人从高层往下扔垃圾，差点砸到楼下的老人",
        where="{b}南侧绿化带",
        state="地上有玻璃瓶碎片",
        demand="查出抛物的人，防止再次发生",
        notes=(
            (_RECORD, "", "调取{b}南侧高空监控，锁定抛物楼层范围"),
            (_SITE, "", "现场查看：绿化带有玻璃瓶碎片，已拍照留存"),
        ),
        cause="third_party",
        cause_text="住户高空抛物",
        responsibility="third_party",
        measures="在楼栋张贴高空抛物警示，逐户排查并加强监控",
        resources="",
        tasks=(("security", "对可疑楼层逐户走访排查", "已完成走访，警示已张贴"),),
        result="已加强警示和监控，未再发生",
        referral=Referral(
            "police",
            "高空抛物涉嫌违法，已协助业主向辖区派出所报案，并提供监控录像",
            "third_party",
            True,
            "情况属实，需公安机关调查处理",
        ),
    ),
    Matter(
        key="ebike_charging",
        category="safety",
        weight=4,
        object_kind="management",
        object_text="楼道电动车充电",
        what="{b}{u}单元{fl}楼有人把电动车推进楼道，飞线充电很危险",
        where="{b}{u}单元{fl}楼楼道",
        state="每天晚上都在充",
        demand="立即制止楼道充电",
        notes=((_SITE, "", "现场查看：{fl}楼楼道停放电动车1辆，电线从{r}附近住户家中拉出"),),
        cause="management_loophole",
        cause_text="住户违规充电，巡查未及时发现",
        responsibility="shared",
        measures="清理楼道电动车，约谈住户，张贴禁止入户充电告示",
        resources="",
        tasks=(("security", "清理楼道电动车并约谈住户", "电动车已移至集中充电点"),),
        result="楼道电动车已清理，住户已承诺不再入户充电",
    ),
    Matter(
        key="gas_smell",
        category="safety",
        weight=2,
        object_kind="facility",
        object_text="楼道燃气管道",
        what="{b}{u}单元楼道里有很浓的燃气味",
        where="{b}{u}单元{fl}楼",
        state="气味一直没散",
        demand="马上派人处理",
        notes=((_SITE, "", "现场检测：{fl}楼燃气表接口检测到泄漏，已关闭单元燃气总阀并开窗通风"),),
        cause="facility_fault",
        cause_text="燃气表接口密封老化",
        responsibility="third_party",
        measures="关闭单元燃气总阀，疏散通风，通知燃气公司抢修",
        resources="可燃气体检测仪",
        tasks=(("security", "现场警戒并疏散通风", "已警戒，燃气公司抢修完毕后解除"),),
        result="燃气公司已完成抢修，恢复供气",
        referral=Referral(
            "utility",
            "户外燃气管道和燃气表属燃气公司维护范围，已通知燃气公司抢修，并告知业主抢修电话",
            "third_party",
            True,
            "泄漏属实，由燃气公司负责维修",
        ),
    ),
    Matter(
        key="tailgating",
        category="safety",
        weight=2,
        object_kind="management",
        object_text="单元安全管理",
        what="晚上有陌生人尾随进入{b}{u}单元，还在楼道里徘徊",
        where="{b}{u}单元",
        state="业主很担心",
        demand="加强门岗和巡逻",
        notes=((_RECORD, "", "调取{b}{u}单元门口监控，发现一名陌生男子尾随住户进入"),),
        cause="management_loophole",
        cause_text="夜间巡逻频次不足",
        responsibility="property_company",
        measures="夜间加密巡逻，单元门张贴防尾随提示",
        resources="保安2人",
        tasks=(("security", "夜间加密{b}周边巡逻", "已加密至每小时一次"),),
        result="夜间巡逻已加强，未再发现可疑人员",
    ),
    # --- environment (环境卫生类) ---------------------------------------------------
    Matter(
        key="garbage",
        category="environment",
        weight=8,
        object_kind="facility",
        object_text="{b}垃圾站",
        what="垃圾清运不及时：{b}垃圾站的垃圾两天没清运，臭味很大，招苍蝇",
        where="{b}东侧垃圾站",
        state="垃圾桶已满溢",
        demand="马上清运，以后每天按时清运",
        notes=(
            (_SITE, "", "现场查看：垃圾桶6个均已满溢，地面有污水"),
            (_RECORD, "", "查询清运记录：清运车辆故障，连续两天未清运"),
        ),
        cause="service_gap",
        cause_text="清运车辆故障且未启用备用车辆",
        responsibility="property_company",
        measures="当天完成清运并冲洗垃圾站，调整清运频次为每日两次，启用备用车辆",
        resources="备用清运车1辆，保洁2人",
        tasks=(("environment", "当天完成清运并冲洗垃圾站", "已清运冲洗，喷洒除臭剂"),),
        result="垃圾已清运，清运频次已调整为每日两次",
        evidence_hint="垃圾满溢照片",
    ),
    Matter(
        key="cleaning",
        category="environment",
        weight=7,
        object_kind="management",
        object_text="楼道保洁",
        what="保洁不到位：{b}{u}单元楼道和电梯轿厢卫生很差，一周没拖地",
        where="{b}{u}单元",
        state="地面有污渍，电梯里有异味",
        demand="加强保洁，按标准打扫",
        notes=(
            (_SITE, "", "现场查看：楼道地面有明显污渍，电梯轿厢地垫未更换"),
            (_RECORD, "", "查询保洁签到表：该单元保洁员本周请假，未安排顶岗"),
        ),
        cause="service_gap",
        cause_text="保洁员请假未安排顶岗",
        responsibility="property_company",
        measures="立即安排顶岗保洁，全面清洁楼道和电梯，完善请假顶岗制度",
        resources="保洁2人",
        tasks=(("environment", "全面清洁{b}{u}单元楼道和电梯", "已清洁，更换电梯地垫"),),
        result="楼道和电梯已清洁，顶岗制度已完善",
    ),
    Matter(
        key="mosquitoes",
        category="environment",
        weight=4,
        object_kind="property_part",
        object_text="小区绿化带",
        what="小区绿化带和水景蚊虫很多，很久没有消杀",
        where="{b}南侧绿化带",
        state="晚上出门被叮得厉害",
        demand="尽快做消杀",
        notes=((_SITE, "", "现场查看：水景池积水长青苔，绿化带蚊虫较多"),),
        cause="service_gap",
        cause_text="消杀频次不足，水景积水未及时清理",
        responsibility="property_company",
        measures="清理水景积水，对绿化带和水景进行灭蚊消杀，夏季每周消杀一次",
        resources="消杀药剂，消杀公司",
        tasks=(("environment", "对绿化带和水景进行灭蚊消杀", "消杀已完成，水景已换水"),),
        result="已完成消杀并调整为每周一次",
    ),
    Matter(
        key="septic_smell",
        category="environment",
        weight=2,
        object_kind="facility",
        object_text="化粪池",
        what="{b}旁边化粪池冒臭气，一楼都能闻到",
        where="{b}西侧",
        state="天热时更严重",
        demand="清掏化粪池，解决异味",
        notes=((_SITE, "", "现场查看：化粪池井盖密封不严，池内接近满负荷"),),
        cause="service_gap",
        cause_text="化粪池清掏周期过长",
        responsibility="property_company",
        measures="安排专业单位清掏化粪池，更换密封井盖",
        resources="吸污车，专业清掏单位",
        tasks=(("environment", "联系专业单位清掏化粪池", "清掏完成，井盖已更换"),),
        result="化粪池已清掏，异味消除",
    ),
    # --- other (其他) ---------------------------------------------------------------
    Matter(
        key="water_outage",
        category="other",
        weight=3,
        object_kind="management",
        object_text="停水通知",
        what="小区突然停水，没有任何提前通知",
        where="全小区",
        state="已停水三小时",
        demand="说明停水原因和恢复时间",
        notes=((_RECORD, "", "联系自来水公司：市政管网爆管抢修，预计晚上八点恢复"),),
        cause="third_party",
        cause_text="市政管网爆管抢修",
        responsibility="third_party",
        measures="在业主群和公告栏发布停水原因和恢复时间，准备应急用水",
        resources="桶装水50桶",
        tasks=(("customer_service", "发布停水通知并发放应急用水", "通知已发布，应急用水已发放"),),
        result="已说明原因，供水已恢复",
        referral=Referral(
            "utility",
            "本次停水为自来水公司市政管网抢修，已向业主说明并提供自来水公司客服电话",
            "third_party",
            True,
            "停水属实，原因在市政管网",
        ),
    ),
    Matter(
        key="lost_parcel",
        category="other",
        weight=2,
        object_kind="management",
        object_text="快递代收",
        what="快递显示放在物业前台，去取的时候找不到了",
        where="物业服务中心前台",
        state="快递仍未找到",
        demand="找回快递或赔偿",
        notes=((_RECORD, "", "调取前台监控：快递员未将包裹交至前台，签收记录为快递员代签"),),
        cause="third_party",
        cause_text="快递员未实际投递即代签",
        responsibility="none",
        measures="",
        resources="",
        tasks=(),
        result="",
        referral=Referral(
            "market_regulation",
            "包裹未交至物业前台，应由快递公司负责；已协助业主联系快递公司，并告知可拨打12315投诉",
            "none",
            False,
            "物业未代收该包裹，不属于物业责任",
        ),
    ),
    Matter(
        key="house_crack",
        category="other",
        weight=2,
        object_kind="property_part",
        object_text="客厅墙体",
        what="客厅墙体出现几条斜向裂缝，越来越长",
        where="{b}{u}单元{r}客厅",
        state="裂缝最宽约1毫米",
        demand="鉴定房屋安全，维修裂缝",
        notes=(
            (_SITE, "", "入户查看：客厅非承重墙有3条斜裂缝，已拍照测量"),
            (_RULE, "", "对照住宅质量保证书：墙体裂缝保修期内由开发商负责"),
        ),
        cause="third_party",
        cause_text="墙体裂缝属房屋质量问题",
        responsibility="third_party",
        measures="协调开发商保修部门上门勘察维修",
        resources="",
        tasks=(("customer_service", "联系开发商保修部门上门勘察", "开发商已勘察，确认维修方案"),),
        result="开发商已完成裂缝修补",
        referral=Referral(
            "housing_bureau",
            "墙体裂缝属房屋质量问题，由开发商负责；已协助报修，并告知可申请房屋安全鉴定或向区住建局反映",
            "third_party",
            True,
            "裂缝属实，责任在开发商",
        ),
    ),
)

# A matter for a category the centre's own policy adds, which the lists above do not know.
GENERIC_MATTER = Matter(
    key="generic",
    category="",
    weight=1,
    object_kind="management",
    object_text="物业管理事项",
    what="业主反映{b}{u}单元公共区域存在问题，需要物业处理",
    where="{b}{u}单元",
    state="问题仍然存在",
    demand="请尽快处理并答复",
    notes=((_SITE, "", "现场查看，情况属实"),),
    cause="service_gap",
    cause_text="日常巡查未及时发现",
    responsibility="property_company",
    measures="安排责任部门处理并加强巡查",
    resources="",
    tasks=(),
    result="问题已处理",
)

APPENDS = (
    "业主补充：今天早上情况更严重了",
    "业主追加反映：同单元其他住户也有同样的问题",
    "业主补充：希望处理时提前电话联系，白天家里没人",
    "业主追加：要求书面答复处理结果",
    "业主补充提供了新的现场照片",
)
CHASES = (
    "业主来电催办，询问处理进度",
    "业主第二次来电催促，情绪较激动",
    "业主在公众号留言催问进度",
    "业主到前台询问什么时候能处理好",
)
FIRST_RESPONSES = (
    "已收到您的反映，{dept}将尽快安排人员处理",
    "您好，案件已受理，我们会先到现场查看，再与您联系",
    "已联系您说明处理流程，工作人员今天会与您预约时间",
    "已告知处理负责人和预计完成时间",
)
PROGRESS_UPDATES = (
    "已安排{dept}处理，预计{deadline}前完成",
    "维修材料已到货，明天上门施工",
    "已与相关住户沟通，正在协调处理",
    "现场处理已完成一半，预计两天内完成",
)
FOLLOW_UPS = (
    ("phone_check", "电话跟进处理进度，责任部门确认正在处理"),
    ("onsite_recheck", "现场复查，整改措施已落实"),
    ("note", "督促责任部门按期完成，必要时协调资源"),
)
PAUSE_REASONS = (
    "业主出差，无法入户查看，约定回来后再上门",
    "需等待业主提供相关材料",
    "业主要求改期入户，等待业主确认时间",
    "等待业主配合开门查看",
)
WITHDRAW_REASONS = (
    "业主来电表示问题已自行解决，撤销投诉",
    "业主核实后发现是自家总阀未开，撤销报修",
    "业主与邻居已私下协商解决，申请撤销",
    "业主表示暂时不需要处理",
)
FORCE_CLOSE_REASONS = (
    "业主诉求超出物业服务合同范围，经多次解释仍不接受，经主管审核结案",
    "多次联系业主未果（电话无人接听、短信未回复），按规定结案",
    "业主要求的赔偿金额明显不合理，已告知可通过人民调解或诉讼解决，经主管审核结案",
    "问题已按方案处理完毕，业主拒绝回访，经主管审核结案",
)
REOPEN_REASONS = (
    "业主来电反映问题再次出现",
    "复查发现整改不彻底",
    "业主对处理结果有新的异议，主管决定重新调查",
)
UNSATISFIED_REMARKS = (
    "业主表示问题没有彻底解决，下雨天还会出现",
    "业主认为处理时间太长，对结果不满意",
    "业主要求赔偿损失，对方案不认可",
    "业主反映维修后又出现同样的问题",
)
SATISFIED_REMARKS = ("", "", "业主表示满意，感谢物业", "业主希望以后能更及时响应", "")
SIGNATORIES = (
    "业主本人、{handler}",
    "{handler}、工程部主管",
    "业主、{handler}、维保单位技术员",
    "双方当事人、{handler}",
)
CAUSE_FALLBACK = "other"
