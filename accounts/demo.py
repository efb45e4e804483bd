"""Demo accounts (credentials also in the README)."""

from django.contrib.auth.models import Group, Permission

from .models import DealerProfile, User

DEMO_PASSWORD = "anxin-demo-2026"

DEALERS = [
    ("dealer1", "王建国", "北京安心二手车行", "91110105MA01ABCD1X", "北京", "北京市朝阳区东四环中路 88 号", "010-65001234"),
    ("dealer2", "李秀英", "上海浦东优信车城", "91310115MA1HBCDE2Y", "上海", "上海市浦东新区张杨路 1500 号", "021-58881234"),
    ("dealer3", "陈志强", "广州天河诚信汽车", "91440106MA5CDEF33Z", "广州", "广州市天河区黄埔大道西 200 号", "020-38881234"),
    ("dealer4", "张伟", "成都锦江好车汇", "91510104MA6DEFG44A", "成都", "成都市锦江区东大街 99 号", "028-86661234"),
    ("dealer5", "刘洋", "杭州西湖二手车中心", "91330106MA2EFGH55B", "杭州", "杭州市西湖区文三路 300 号", "0571-88881234"),
]


def _user(username: str, *, role: str, full_name: str, email: str, phone: str = "", is_staff=False, is_superuser=False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "is_staff": is_staff,
            "is_superuser": is_superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def seed(*, stdout, rng, **kwargs) -> None:
    for username, name, business, licence, city, address, phone in DEALERS:
        user = _user(
            username,
            role=User.Role.DEALER,
            full_name=name,
            email=f"{username}@demo.anxin-auto.example",
            phone=f"139{rng.randint(10000000, 99999999)}",
        )
        DealerProfile.objects.get_or_create(
            user=user,
            defaults={"business_name": business, "licence_number": licence, "city": city, "address": address, "phone": phone},
        )
    _user(
        "inspector", role=User.Role.INSPECTOR, full_name="赵鉴定", email="inspector@demo.anxin-auto.example", phone="13700001111"
    )
    _user("buyer1", role=User.Role.BUYER, full_name="孙小明", email="buyer1@demo.anxin-auto.example", phone="13812341234")
    _user("buyer2", role=User.Role.BUYER, full_name="周丽", email="buyer2@demo.anxin-auto.example", phone="13998765432")
    staff = _user("staff", role=User.Role.STAFF, full_name="客服 吴敏", email="staff@demo.anxin-auto.example", is_staff=True)
    supervisor = _user(
        "supervisor",
        role=User.Role.STAFF,
        full_name="主管 郑华",
        email="supervisor@demo.anxin-auto.example",
        is_staff=True,
        is_superuser=True,
    )
    group, _ = Group.objects.get_or_create(name="Customer service")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=[
                "complaints",
                "warranty",
                "surveys",
                "notifications",
                "contracts",
                "marketplace",
                "inspections",
            ]
        ).exclude(codename="supervise_complaint")  # supervisors are a separate group (complaints demo)
    )
    staff.groups.add(group)
    del supervisor
    stdout.write(
        f"  demo accounts (password '{DEMO_PASSWORD}'): dealer1…dealer5, inspector, buyer1, buyer2, staff, supervisor (superuser)"
    )
