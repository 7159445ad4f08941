"""IAM items (lesson step 2): the administrator user, its group and policy, its access, root."""

from __future__ import annotations

from checks._common import Params, failed, mask_key, partial, passed, result, warned, when
from grader.context import Context
from grader.models import Status
from grader.registry import check

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
STEP2 = "Lesson step 2 (Creating an Administrator User on IAM)"


class AdminParams(Params):
    admin_user: str = "administrator"


class GroupParams(AdminParams):
    admin_group: str = "Administrators"


def _admin(ctx: Context, params: AdminParams):
    return ctx.account.iam.find_user(params.admin_user)


def _no_user(params: AdminParams):
    return failed(f"There is no IAM user named {params.admin_user}, so this cannot be checked.",
                  user=params.admin_user, found=False)


@check(
    "iam-admin-user",
    title="An IAM user named administrator exists",
    category="IAM",
    params=AdminParams,
    permissions=["iam:ListUsers"],
    remediation=f"{STEP2}: in IAM, choose Users > Add user and create a user named `administrator`.",
)
def iam_admin_user(ctx: Context, params: AdminParams):
    users = ctx.account.iam.users()
    user = _admin(ctx, params)
    if user:
        return passed(f"IAM user {user['UserName']} exists.", user=user["UserName"], arn=user["Arn"],
                      created=when(user.get("CreateDate")))
    return failed(f"No IAM user named {params.admin_user} was found ({len(users)} users in the account).",
                  users_found=[u["UserName"] for u in users[:20]], users_total=len(users))


@check(
    "iam-admin-group-policy",
    title="The administrator is in the Administrators group, which has AdministratorAccess",
    category="IAM",
    params=GroupParams,
    permissions=["iam:ListUsers", "iam:ListGroupsForUser", "iam:ListAttachedGroupPolicies",
                 "iam:ListAttachedUserPolicies"],
    remediation=f"{STEP2}: create the group `Administrators` with the AWS managed policy AdministratorAccess "
    "and add the `administrator` user to it (rather than attaching the policy to the user).",
)
def iam_admin_group_policy(ctx: Context, params: GroupParams):
    user = _admin(ctx, params)
    if not user:
        return _no_user(params)
    name = user["UserName"]
    groups = ctx.account.iam.groups_for_user(name)
    by_group = {g["GroupName"]: [p["PolicyArn"] for p in ctx.account.iam.group_policies(g["GroupName"])] for g in groups}
    evidence = {"user": name, "groups": by_group}
    target = next((g for g in by_group if g.lower() == params.admin_group.lower()), None)
    if target and ADMIN_POLICY in by_group[target]:
        return passed(f"{name} is in group {target}, which has AdministratorAccess.", **evidence)
    user_policies = [p["PolicyArn"] for p in ctx.account.iam.user_policies(name)]
    evidence["user_policies"] = user_policies
    routes = ["attached to the user"] if ADMIN_POLICY in user_policies else []
    routes += [f"via group {g}" for g, pols in by_group.items() if ADMIN_POLICY in pols]
    evidence["admin_access_routes"] = routes
    if routes:
        where = f"group {target} does not have it" if target else f"it is not in a group named {params.admin_group}"
        return partial(f"{name} has AdministratorAccess ({', '.join(routes)}), but {where}.", **evidence)
    return failed(f"{name} does not have the AdministratorAccess policy by any route.", **evidence)


@check(
    "iam-admin-console-access",
    title="The administrator can sign in to the console",
    category="IAM",
    params=AdminParams,
    permissions=["iam:ListUsers", "iam:GetLoginProfile"],
    remediation=f"{STEP2}: give the user a custom console password and untick \"Require password reset\" "
    "(IAM > Users > administrator > Security credentials > Manage console access).",
)
def iam_admin_console_access(ctx: Context, params: AdminParams):
    user = _admin(ctx, params)
    if not user:
        return _no_user(params)
    profile = ctx.account.iam.login_profile(user["UserName"])
    if profile is None:
        return failed(f"{user['UserName']} has no console password (no login profile).", user=user["UserName"],
                      login_profile=False)
    evidence = {"user": user["UserName"], "login_profile": True, "created": when(profile.get("CreateDate")),
                "password_reset_required": bool(profile.get("PasswordResetRequired"))}
    if profile.get("PasswordResetRequired"):
        return partial(f"{user['UserName']} has a console password, but a password reset is still required.",
                       **evidence)
    return passed(f"{user['UserName']} can sign in to the console.", **evidence)


@check(
    "iam-admin-programmatic-access",
    title="The administrator has an active access key",
    category="IAM",
    params=AdminParams,
    permissions=["iam:ListUsers", "iam:ListAccessKeys"],
    remediation=f"{STEP2}: tick \"Programmatic access\" (IAM > Users > administrator > Security credentials > "
    "Create access key) and keep exactly one key active.",
)
def iam_admin_programmatic_access(ctx: Context, params: AdminParams):
    user = _admin(ctx, params)
    if not user:
        return _no_user(params)
    keys = ctx.account.iam.access_keys(user["UserName"])
    listed = [{"key": mask_key(k["AccessKeyId"]), "status": k["Status"], "created": when(k.get("CreateDate"))}
              for k in keys]
    active = [k for k in keys if k["Status"] == "Active"]
    if not active:
        why = "only inactive keys" if keys else "no access keys"
        return failed(f"{user['UserName']} has {why}.", user=user["UserName"], keys=listed)
    if len(active) > 1:
        return warned(f"{user['UserName']} has {len(active)} active access keys; one is enough (rotate and "
                      "deactivate the old one).", user=user["UserName"], keys=listed)
    return passed(f"{user['UserName']} has one active access key.", user=user["UserName"], keys=listed)


@check(
    "iam-root-hygiene",
    title="The root user has no access keys (and MFA is on)",
    category="IAM",
    permissions=["iam:GetAccountSummary"],
    remediation="Sign in as the root user, open Security credentials, delete any root access keys and turn on "
    "MFA; use the `administrator` user from lesson step 2 for everyday work.",
)
def iam_root_hygiene(ctx: Context, params: Params):
    summary = ctx.account.iam.account_summary()
    keys = summary.get("AccountAccessKeysPresent", 0)
    mfa = summary.get("AccountMFAEnabled", 0)
    evidence = {"AccountAccessKeysPresent": keys, "AccountMFAEnabled": mfa}
    if keys:
        return failed("The root user has access keys: delete them.", **evidence)
    if not mfa:
        return warned("The root user has no access keys, but MFA is off for root.", **evidence)
    return passed("The root user has no access keys and MFA is on.", **evidence)


@check(
    "iam-billing-access",
    title="IAM users can see billing information",
    category="IAM",
    permissions=[],
    remediation="Lesson step 2: as root, My Account > IAM User and Role Access to Billing Information > Edit > "
    "Activate IAM Access. A person confirms this (for instance from a screenshot).",
)
def iam_billing_access(ctx: Context, params: Params):
    return result(Status.MANUAL, "IAM access to billing information is not readable through any AWS API; "
                  "a person must confirm it.", reason="no AWS API exposes this account setting")
