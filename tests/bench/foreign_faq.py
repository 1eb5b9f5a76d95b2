"""A synthetic foreign FAQ base: a made-up company's product and service questions, the kind a
district (or anyone) loads as its own base, with labelled questions to calibrate and to test on.

Nothing licensed: products are generated names — some pairs one character apart (星河卡 /
星海卡), as real product lines are — each with a share of some forty topics (opening, fees,
limits, repayment ...). Every topic has several ways to ask; the base holds three of them per
entry, the labelled questions are written from the others, with courtesy around them, some
homophone slips, and no punctuation at times. Out of scope: questions about the world
(weather, stocks, recipes), products the company does not sell, and — the hard ones — a real
product asked about a topic it has no entry for (the near misses that tempt a matcher).

Run: python tests/bench/foreign_faq.py OUT_DIR [--products 400] [--seed 7]
  writes OUT_DIR/base.jsonl (`linli kb import`), calibrate.jsonl and test.jsonl (`linli kb
  calibrate` / `kb eval`: {"text", "expect"} with expect an entry id or "fallback").
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

# (topic id, the answer's gist, ways to ask; {p} is the product)
TOPICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "open",
        "在手机应用“我的-服务”里点开通，按提示验证身份即可",
        (
            "{p}怎么开通",
            "开通{p}要怎么弄",
            "{p}在哪里开通",
            "我想开个{p}",
            "{p}的开通流程是什么",
            "怎样才能开通{p}",
            "{p}开通步骤",
        ),
    ),
    (
        "close",
        "在设置里选择注销，结清欠款后三个工作日内完成",
        (
            "{p}怎么注销",
            "不想用{p}了怎么关掉",
            "注销{p}的方法",
            "{p}可以取消吗",
            "怎么把{p}停掉",
            "{p}销户怎么办",
        ),
    ),
    (
        "fee",
        "首年免年费，之后每年收取一百元，刷满六次可免",
        (
            "{p}的年费是多少",
            "{p}收年费吗",
            "{p}每年要交多少钱",
            "{p}年费怎么收",
            "用{p}要交年费不",
            "{p}一年费用多少",
        ),
    ),
    (
        "limit",
        "按使用记录每三个月评估一次，可在应用里申请临时提额",
        (
            "{p}额度怎么提高",
            "{p}怎么提额",
            "{p}的额度能不能调高",
            "想提高{p}额度",
            "{p}额度太低了咋办",
            "{p}提升额度的方法",
        ),
    ),
    (
        "repay",
        "每月账单日后二十天内还款，可自动扣款或手动还",
        (
            "{p}怎么还款",
            "{p}还钱的方式有哪些",
            "{p}每个月怎么还",
            "{p}在哪里还款",
            "{p}还款方法",
            "如何给{p}还款",
        ),
    ),
    (
        "overdue",
        "逾期会按日收取万分之五的违约金，并影响信用记录",
        (
            "{p}逾期了会怎样",
            "{p}晚还几天有什么后果",
            "{p}没按时还款怎么办",
            "{p}逾期罚多少",
            "{p}逾期影响征信吗",
            "{p}过了还款日会怎么样",
        ),
    ),
    (
        "bind",
        "在“账户-银行卡”里添加，支持一类和二类账户",
        (
            "{p}怎么绑定银行卡",
            "{p}能绑哪些银行卡",
            "{p}绑卡步骤",
            "给{p}加一张银行卡",
            "{p}怎么关联银行卡",
            "{p}绑定储蓄卡",
        ),
    ),
    (
        "phone",
        "在“安全中心”验证原手机号后可更换",
        (
            "{p}怎么换手机号",
            "{p}绑定的手机号怎么改",
            "{p}修改预留手机号",
            "手机号换了{p}怎么办",
            "{p}更换绑定手机",
        ),
    ),
    (
        "points",
        "每消费一元积一分，可在积分商城兑换礼品",
        (
            "{p}积分怎么兑换",
            "{p}的积分有什么用",
            "{p}积分怎么算",
            "{p}积分在哪里换东西",
            "{p}积分会过期吗",
            "{p}积分规则",
        ),
    ),
    (
        "refund",
        "退款原路返回，一般三到七个工作日到账",
        (
            "{p}怎么退款",
            "{p}退款多久到账",
            "{p}的钱能退吗",
            "{p}申请退款",
            "{p}退款流程",
            "{p}退钱怎么弄",
        ),
    ),
    (
        "lost",
        "立即在应用里挂失，补办新卡免收工本费",
        (
            "{p}丢了怎么办",
            "{p}挂失怎么弄",
            "{p}被偷了怎么补办",
            "{p}找不到了",
            "{p}补办要多久",
            "{p}遗失补办",
        ),
    ),
    (
        "rate",
        "日利率最低万分之二，以审批结果为准",
        (
            "{p}利息怎么算",
            "{p}利率是多少",
            "{p}的利息高不高",
            "借{p}要多少利息",
            "{p}年化利率",
            "{p}一天利息多少",
        ),
    ),
    (
        "age",
        "年满十八周岁、六十五周岁以下可以申请",
        (
            "{p}多大年纪可以办",
            "{p}有年龄限制吗",
            "老年人能办{p}吗",
            "{p}申请年龄要求",
            "学生能开{p}吗",
        ),
    ),
    (
        "freeze",
        "连续多次输错密码或存在风险时会被冻结，可联系客服解冻",
        (
            "{p}被冻结了怎么办",
            "{p}为什么被冻结",
            "{p}怎么解冻",
            "{p}账户冻结了",
            "{p}冻结多久能解开",
        ),
    ),
    (
        "password",
        "在“安全中心-支付密码”里重置，需要人脸验证",
        (
            "{p}密码忘了怎么办",
            "{p}怎么改密码",
            "{p}重置支付密码",
            "{p}密码输错锁了",
            "找回{p}的密码",
        ),
    ),
    (
        "bill",
        "每月账单日生成账单，在应用“账单”页可查看明细",
        ("{p}账单在哪里看", "{p}怎么查账单", "{p}的消费明细怎么查", "{p}本月账单", "查看{p}账单"),
    ),
    (
        "stage",
        "单笔满五百元可分三、六、十二期，手续费按期数收取",
        ("{p}能分期吗", "{p}怎么分期付款", "{p}分期手续费多少", "{p}分几期", "{p}账单分期怎么弄"),
    ),
    (
        "abroad",
        "支持境外消费，免收货币转换费",
        ("{p}能在国外用吗", "{p}出国能刷吗", "{p}境外消费", "{p}海外使用", "{p}在外国能不能用"),
    ),
    (
        "invoice",
        "在订单详情里申请电子发票，二十四小时内发到邮箱",
        ("{p}怎么开发票", "{p}发票在哪里申请", "{p}能开专票吗", "{p}电子发票", "{p}开票流程"),
    ),
    (
        "upgrade",
        "消费满一年且无逾期可申请升级为金卡",
        ("{p}怎么升级", "{p}升级金卡的条件", "{p}能升级吗", "{p}怎么换高级别", "{p}升级要求"),
    ),
)
FAMILIES = ("卡", "宝", "贷", "通", "保", "分", "付", "借")
FIRST = "星云金银乐安福鑫盛华瑞恒泰嘉和融汇信达"
SECOND = "河海月辰享心禧晨光宇盈通利惠鼎丰源"
# a slip a voice typist or a hurried thumb makes: the same sound, another character
SLIPS = {"还款": "环款", "额度": "饿度", "注销": "助销", "密码": "蜜码", "账单": "帐单", "积分": "基分",  # noqa: E501
         "逾期": "余期", "冻结": "动结", "发票": "发飘", "分期": "分其"}  # fmt: skip
COURTESY = ("", "", "", "你好，", "请问", "麻烦问一下，", "您好 我想咨询下 ", "客服你好，")
TAILS = ("", "", "？", "呢", "啊", "，谢谢", " 急")
WORLD = ("今天天气怎么样", "明天股票会涨吗", "红烧肉怎么做", "附近有什么好吃的", "世界杯谁夺冠了",
         "怎么学好英语", "感冒了吃什么药", "给我讲个笑话", "火车票怎么买", "房价还会跌吗",
         "你是机器人吗", "狗狗不吃饭怎么办", "电脑开不了机", "高考哪天开始", "怎么减肥最快",
         "附近的加油站在哪", "帮我写首诗", "月亮离地球多远", "猫为什么怕水", "周末去哪玩")  # fmt: skip  # noqa: E501
TOPIC_SHARE = 0.55  # each product has about this share of the topics


@dataclass(frozen=True)
class Product:
    """A product of the made-up company and the topics it has entries for."""

    name: str
    topics: tuple[int, ...]


def products(count: int, rng: random.Random) -> list[Product]:
    """`count` names, about half of them in pairs one character apart (星河卡 / 星海卡)."""
    names: list[str] = []
    while len(names) < count:
        first, family = rng.choice(FIRST), rng.choice(FAMILIES)
        pair = rng.sample(SECOND, 2) if rng.random() < 0.5 else [rng.choice(SECOND)]
        names += [n for n in (f"{first}{s}{family}" for s in pair) if n not in names]
    chosen = []
    for name in names[:count]:
        topics = [t for t in range(len(TOPICS)) if rng.random() < TOPIC_SHARE]
        chosen.append(Product(name, tuple(topics or [0])))
    return chosen


def base(items: list[Product]) -> list[dict[str, object]]:
    """The entries, as `linli kb export` writes them (three ways to ask each)."""
    rows = []
    for number, product in enumerate(items):
        for topic in product.topics:
            key, gist, asks = TOPICS[topic]
            rows.append({
                "id": f"p{number}-{key}", "category": "service", "community": None,
                "questions": [a.format(p=product.name) for a in asks[:3]],
                "keywords": [], "answer": f"{product.name}：{gist}。", "source": "示例公司客服手册",
            })  # fmt: skip
    return rows


def _dressed(text: str, rng: random.Random) -> str:
    if rng.random() < 0.2:
        for right, slip in SLIPS.items():
            if right in text:
                text = text.replace(right, slip)
                break
    text = f"{rng.choice(COURTESY)}{text}{rng.choice(TAILS)}"
    return text.replace("，", " ") if rng.random() < 0.2 else text


def questions(items: list[Product], rng: random.Random) -> list[dict[str, str]]:
    """Labelled questions: every entry asked in a way the base does not hold, a near miss for
    about every fourth product, the world, and products the company does not sell."""
    asked = []
    for number, product in enumerate(items):
        for topic in product.topics:
            key, _, asks = TOPICS[topic]
            for ask in rng.sample(asks[3:], min(2, len(asks) - 3)):
                asked.append({"text": _dressed(ask.format(p=product.name), rng),
                              "expect": f"p{number}-{key}"})  # fmt: skip
        missing = [t for t in range(len(TOPICS)) if t not in product.topics]
        for topic in rng.sample(missing, min(2, len(missing))):
            ask = rng.choice(TOPICS[topic][2])
            asked.append({"text": _dressed(ask.format(p=product.name), rng), "expect": "fallback"})
    sold = {p.name for p in items}
    for _ in range(len(items)):
        name = f"{rng.choice('东西南北天地')}{rng.choice('鹏龙虎豹')}{rng.choice(FAMILIES)}"
        if name not in sold:
            ask = rng.choice(rng.choice(TOPICS)[2])
            asked.append({"text": _dressed(ask.format(p=name), rng), "expect": "fallback"})
    for text in WORLD:
        asked += [{"text": _dressed(text, rng), "expect": "fallback"} for _ in range(3)]
    rng.shuffle(asked)
    return asked


def write(out: Path, count: int, seed: int, most: int = 1500) -> dict[str, int]:
    """Write base.jsonl, calibrate.jsonl and test.jsonl (`most` questions each at most, the
    two apart)."""
    rng = random.Random(seed)
    items = products(count, rng)
    rows, asked = base(items), questions(items, rng)
    cut = min(len(asked) // 3, most)
    test = asked[cut : cut + most]
    out.mkdir(parents=True, exist_ok=True)
    for name, part in (("base", rows), ("calibrate", asked[:cut]), ("test", test)):
        lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in part)
        (out / f"{name}.jsonl").write_text("".join(lines), encoding="utf-8")
    return {"entries": len(rows), "calibrate": cut, "test": len(test)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--products", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(write(args.out, args.products, args.seed))  # noqa: T201


if __name__ == "__main__":
    main()
