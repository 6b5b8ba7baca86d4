"""Errors of the onboarding flow, each with a stable code and a message in Chinese and English.

A client shows `message_zh` (or `message`) and acts on `code`; `details` says which image,
frame or field when that helps a retake. identity/docs.md lists every code.
"""

from __future__ import annotations

from opendeposit.errors import (
    BusinessRuleViolation,
    Conflict,
    ExternalServiceError,
    Forbidden,
    NotFound,
    OpenDepositError,
    PayloadTooLarge,
    ValidationFailed,
)


def _make(base: type[OpenDepositError], code: str, en: str, zh: str,
          status: int | None = None) -> type[OpenDepositError]:
    attrs: dict[str, object] = {"code": code, "message_en": en, "message_zh": zh,
                                "__doc__": en, "__module__": __name__}
    if status is not None:
        attrs["http_status"] = status
    return type("".join(w.title() for w in code.split("_")), (base,), attrs)


# --- the flow
ApplicationNotFound = _make(NotFound, "ONBOARDING_NOT_FOUND", "No such account-opening "
                            "application.", "开户申请不存在。")
StepSkipped = _make(Conflict, "ONBOARDING_STEP_SKIPPED", "Finish the earlier steps first.",
                    "请先完成前面的步骤。")
StepReplayed = _make(Conflict, "ONBOARDING_STEP_REPLAYED", "This step is already done; "
                     "continue with the next one.", "该步骤已完成，请继续下一步。")
ApplicationClosed = _make(Conflict, "ONBOARDING_CLOSED", "This application is already "
                          "decided or under review.", "该开户申请已办结或正在审核中。")
ApplicationExpired = _make(OpenDepositError, "ONBOARDING_EXPIRED", "The application expired "
                           "after a long pause; please start again.", "开户申请已超时失效，"
                           "请重新开始。", 410)
AttemptsExceeded = _make(BusinessRuleViolation, "ONBOARDING_ATTEMPTS_EXCEEDED", "Too many "
                         "failed attempts; the application is closed. Please visit a branch.",
                         "尝试次数过多，申请已关闭，请到网点办理。", 429)
# --- uploads
ImageRequired = _make(ValidationFailed, "IMAGE_REQUIRED", "An image is missing.",
                      "缺少图片。")
ImageNotSupported = _make(ValidationFailed, "IMAGE_NOT_SUPPORTED", "Upload a JPEG or PNG "
                          "photo.", "请上传JPEG或PNG格式的照片。", 415)
ImageTooLarge = _make(PayloadTooLarge, "IMAGE_TOO_LARGE", "The image is larger than 8 MB.",
                      "图片超过8MB。")
ImageTooSmall = _make(ValidationFailed, "IMAGE_TOO_SMALL", "The image is smaller than "
                      "200×200 pixels; take the photo closer.", "图片尺寸过小（小于200×200像素），"
                      "请靠近后重拍。")
ImageDimensionsTooLarge = _make(ValidationFailed, "IMAGE_DIMENSIONS_TOO_LARGE", "The image "
                                "has too many pixels.", "图片像素过大。")
# --- ID card OCR (ask for a retake)
IdCardNotFound = _make(ValidationFailed, "ID_CARD_NOT_FOUND", "No ID card found in the "
                       "photo; place the card flat and fill the frame.", "未识别到身份证，"
                       "请将证件平放并充满取景框后重拍。")
IdCardWrongSide = _make(ValidationFailed, "ID_CARD_WRONG_SIDE", "This is the other side of "
                        "the card.", "证件正反面放错了，请按提示拍摄对应的一面。")
IdCardUnreadable = _make(ValidationFailed, "ID_CARD_UNREADABLE", "Some fields could not be "
                         "read; avoid glare and take the photo again.", "部分信息无法识别，"
                         "请避免反光后重拍。")
IdCardTooBlurry = _make(ValidationFailed, "ID_CARD_TOO_BLURRY", "The photo is too blurry; "
                        "hold still and take it again.", "照片太模糊，请保持稳定后重拍。")
IdCardInconsistent = _make(ValidationFailed, "ID_CARD_INCONSISTENT", "The birth date or sex "
                           "on the card does not match the ID number.", "证件上的出生日期或性别"
                           "与身份号码不一致。")
# --- ID card document checks (doccheck.py): what the customer does about each
IdCardCopy = _make(ValidationFailed, "ID_CARD_COPY", "This looks like a copy of the card: "
                   "photograph the original card.", "检测到证件复印件，请拍摄身份证原件。")
IdCardScreen = _make(ValidationFailed, "ID_CARD_SCREEN", "This looks like a picture of the card "
                     "on a screen: photograph the card itself.", "检测到屏幕翻拍，请直接拍摄身份证"
                     "原件。")
IdCardGlare = _make(ValidationFailed, "ID_CARD_GLARE", "Glare covers part of the card: tilt it "
                    "away from the light and take the photo again.", "证件有反光，请避开光源后"
                    "重拍。")
IdCardIncomplete = _make(ValidationFailed, "ID_CARD_INCOMPLETE", "Part of the card is outside "
                         "the photo: put the whole card inside the frame.", "证件不完整，请将整张"
                         "证件放入取景框内后重拍。")
IdCardOccluded = _make(ValidationFailed, "ID_CARD_OCCLUDED", "Something covers the card: keep "
                       "fingers and objects off it and take the photo again.", "证件被遮挡，"
                       "请勿用手指或物品遮挡后重拍。")
IdCardEdited = _make(ValidationFailed, "ID_CARD_EDITED", "The card photo looks edited: "
                     "photograph the original card, without changes.", "证件照片疑似经过修改，"
                     "请拍摄未经处理的证件原件。")
IdCardTemporary = _make(ValidationFailed, "ID_CARD_TEMPORARY", "A temporary ID card cannot be "
                        "used to open an account online: use your resident ID card or visit a "
                        "branch.", "临时身份证不支持线上开户，请使用居民身份证或到网点办理。")
# --- ID number and card validity
IdNumberFormat = _make(ValidationFailed, "ID_NUMBER_FORMAT", "An ID number has 18 characters: "
                       "17 digits and a digit or X.", "身份证号码应为18位（最后一位可为X）。")
IdNumberChecksum = _make(ValidationFailed, "ID_NUMBER_CHECKSUM", "The ID number's check "
                         "character is wrong; check the number.", "身份证号码校验位不正确，"
                         "请核对。")
IdNumberBirthDate = _make(ValidationFailed, "ID_NUMBER_BIRTH_DATE", "The birth date in the ID "
                          "number is not a real past date.", "身份证号码中的出生日期无效。")
IdNumberRegion = _make(ValidationFailed, "ID_NUMBER_REGION", "The ID number's region code is "
                       "unknown.", "身份证号码的地址码无效。")
IdNumberNotMainland = _make(ValidationFailed, "ID_NUMBER_NOT_MAINLAND", "Only a mainland "
                            "resident ID card can be used here.", "仅支持中国大陆居民身份证。")
IdValidityInvalid = _make(ValidationFailed, "ID_VALIDITY_INVALID", "The card's validity "
                          "period is not valid.", "证件有效期限不正确。")
IdCardNotYetValid = _make(ValidationFailed, "ID_CARD_NOT_YET_VALID", "The card is not valid "
                          "yet.", "证件尚未生效。")
IdCardExpired = _make(BusinessRuleViolation, "ID_CARD_EXPIRED", "The ID card has expired.",
                      "身份证已过期。")
IdCardExpiringSoon = _make(BusinessRuleViolation, "ID_CARD_EXPIRING_SOON", "The ID card "
                           "expires within 30 days; renew it first.", "身份证将在30天内到期，"
                           "请更新证件后再办理。")
AgeOutOfRange = _make(BusinessRuleViolation, "AGE_OUT_OF_RANGE", "Remote opening is for "
                      "customers aged 18 to 70.", "线上开户仅限18至70周岁客户。")
NameInvalid = _make(ValidationFailed, "NAME_INVALID", "Enter the name exactly as on the ID "
                    "card.", "请按身份证填写姓名。")
# --- citizen-ID online check (联网核查)
CitizenNotFound = _make(BusinessRuleViolation, "CITIZEN_NOT_FOUND", "The national registry "
                        "has no such ID number.", "联网核查：库中无此号。")
CitizenCardInvalidated = _make(BusinessRuleViolation, "CITIZEN_CARD_INVALIDATED", "This ID "
                               "card was reported lost or replaced (失效身份证); use your current "
                               "card.", "联网核查：该身份证已失效（挂失或换领），"
                               "请使用本人当前有效的身份证。")
CitizenNameMismatch = _make(BusinessRuleViolation, "CITIZEN_NAME_MISMATCH", "The name does "
                            "not match the national registry for this ID number.",
                            "联网核查：姓名与身份号码不一致。")
RegistryUnavailable = _make(ExternalServiceError, "CITIZEN_REGISTRY_UNAVAILABLE", "The "
                            "citizen-ID check did not answer; try again later.",
                            "联网核查服务暂不可用，请稍后再试。")
# --- face and liveness
FaceConsentRequired = _make(ValidationFailed, "FACE_CONSENT_REQUIRED", "Agree separately to "
                            "the processing of your face data first.", "请先单独同意人脸信息"
                            "处理规则。")
FaceNotFound = _make(ValidationFailed, "FACE_NOT_FOUND", "No face found; face the camera in "
                     "good light.", "未检测到人脸，请在光线充足处正对镜头。")
FaceMultiple = _make(ValidationFailed, "FACE_MULTIPLE", "More than one face in the picture; "
                     "only you should be in it.", "画面中有多张人脸，请确保只有本人。")
FaceTooSmall = _make(ValidationFailed, "FACE_TOO_SMALL", "The face is too small; move closer.",
                     "人脸过小，请靠近镜头。")
FaceMismatch = _make(BusinessRuleViolation, "FACE_MISMATCH", "The face does not match the ID "
                     "photo.", "人脸比对未通过。")
ChallengeMissing = _make(Conflict, "LIVENESS_CHALLENGE_MISSING", "Get a liveness challenge "
                         "first (GET .../face/challenge).", "请先获取活体检测动作。")
ChallengeExpired = _make(Conflict, "LIVENESS_CHALLENGE_EXPIRED", "The liveness challenge "
                         "expired; get a new one.", "活体检测动作已过期，请重新获取。")
FramesCount = _make(ValidationFailed, "LIVENESS_FRAMES_COUNT", "Upload one frame per "
                    "requested action, in order.", "请按动作顺序每个动作上传一帧。")
FramesReused = _make(ValidationFailed, "LIVENESS_FRAMES_REUSED", "The same picture was "
                     "uploaded more than once.", "检测到重复使用同一张图片。")
NoMotion = _make(ValidationFailed, "LIVENESS_NO_MOTION", "No movement between the frames.",
                 "未检测到动作变化，请按提示完成动作。")
ActionNotSeen = _make(ValidationFailed, "LIVENESS_ACTION_NOT_SEEN", "A requested action was "
                      "not seen; follow the prompts.", "未检测到指定动作，请按提示完成。")
DifferentPerson = _make(ValidationFailed, "LIVENESS_DIFFERENT_PERSON", "The frames do not "
                        "show the same person as the selfie.", "动作画面与自拍不是同一人。")
Replay = _make(ValidationFailed, "LIVENESS_REPLAY", "These pictures were already used in an "
               "earlier attempt; take new ones with the camera.", "检测到重复使用的照片，"
               "请用摄像头重新拍摄。")
ScreenShown = _make(ValidationFailed, "LIVENESS_SCREEN", "A screen was shown to the camera; "
                    "face the camera yourself, not a picture on a screen.", "检测到屏幕翻拍，"
                    "请本人直接面对摄像头。")
StillPhoto = _make(ValidationFailed, "LIVENESS_STILL_PHOTO", "The pictures look like a photo, "
                   "not a live face: face the camera yourself and do each action as asked.",
                   "检测到照片而非真人，请本人面对摄像头按提示完成动作。")
CaptureMissing = _make(ValidationFailed, "CAPTURE_SIGNATURE_MISSING", "The pictures are not "
                       "from this verification session; take them again in the app.",
                       "照片不是本次核验中拍摄的，请在App内重新拍摄。")
CaptureInvalid = _make(ValidationFailed, "CAPTURE_SIGNATURE_INVALID", "The pictures are not "
                       "from this verification session; take them again in the app.",
                       "照片不是本次核验中拍摄的，请在App内重新拍摄。")
CaptureOrder = _make(ValidationFailed, "CAPTURE_OUT_OF_ORDER", "The pictures arrived out of "
                     "order or too fast; take them again, one action at a time.",
                     "照片顺序或拍摄间隔异常，请按提示逐个动作重新拍摄。")
CaptureWindow = _make(ValidationFailed, "CAPTURE_OUTSIDE_WINDOW", "The pictures were not taken "
                      "during this check; take them again now.", "照片不在本次核验时间内拍摄，"
                      "请重新拍摄。")
VendorPending = _make(Conflict, "LIVENESS_VENDOR_PENDING", "The verification service has no "
                      "result yet; finish the check in its page first.", "人脸核验服务尚未返回"
                      "结果，请先在核验页面完成操作。")
VendorFailed = _make(ValidationFailed, "LIVENESS_VENDOR_FAILED", "The verification service "
                     "could not confirm a live person; try again in good light.",
                     "人脸核验服务未能确认真人，请在光线充足处重试。")
LivenessUnavailable = _make(ExternalServiceError, "LIVENESS_SERVICE_UNAVAILABLE", "The face "
                            "verification service did not answer; try again later.",
                            "人脸核验服务暂不可用，请稍后再试。")
# --- card binding (五要素)
InvalidCardNumber = _make(ValidationFailed, "INVALID_CARD_NUMBER", "The card number is not "
                          "valid (16-19 digits with a correct check digit).",
                          "银行卡号格式不正确。")
CardNotFound = _make(BusinessRuleViolation, "CARD_NOT_FOUND", "The card's bank does not know "
                     "this card.", "发卡行未查到该卡。")
CardNotOwnName = _make(BusinessRuleViolation, "CARD_NOT_OWN_NAME", "Bind a card in your own "
                       "name and ID number.", "请绑定本人名下的银行卡。")
CardNotClassOne = _make(BusinessRuleViolation, "CARD_NOT_CLASS_ONE", "The card is not a "
                        "Class I debit account; use your Class I debit card.",
                        "该卡不是Ⅰ类借记账户，请使用本人Ⅰ类借记卡。")
CardPhoneMismatch = _make(BusinessRuleViolation, "CARD_PHONE_MISMATCH", "The mobile number is "
                          "not the one reserved at the card's bank.",
                          "手机号与银行预留手机号不一致。")
CardPhoneNotLogin = _make(BusinessRuleViolation, "CARD_PHONE_NOT_LOGIN_PHONE", "Log in with "
                          "the card's reserved mobile number to open the account.",
                          "请使用该卡的银行预留手机号登录后开户。")
ElementsUnavailable = _make(ExternalServiceError, "CARD_CHECK_UNAVAILABLE", "The card's bank "
                            "did not answer the check; try again later.", "银行卡信息核验服务暂不"
                            "可用，请稍后再试。")
CardCodeInvalid = _make(ValidationFailed, "CARD_SMS_CODE_INVALID", "The SMS code is wrong or "
                        "has expired; request a new one.", "短信验证码错误或已过期，请重新获取。")
# --- submission
AgreementsMissing = _make(ValidationFailed, "AGREEMENTS_MISSING", "Read and accept every "
                          "agreement (current versions).", "请阅读并同意全部协议（最新版本）。")
ResidenceProofRequired = _make(ValidationFailed, "RESIDENCE_PROOF_REQUIRED", "Your ID was "
                               "issued outside our service area: upload a proof of residence "
                               "(居住证, social insurance or tax record).", "您的证件签发地不在本行"
                               "服务区域，请上传居住证、社保或纳税证明。")
# --- staff review
ReviewNotFound = _make(NotFound, "REVIEW_NOT_FOUND", "No such review case.", "审核任务不存在。")
ReviewClosed = _make(Conflict, "REVIEW_CLOSED", "This case is already decided.",
                     "该审核任务已办结。")
FourEyes = _make(Forbidden, "FOUR_EYES_REQUIRED", "Another staff member must give the final "
                 "approval.", "须由另一名员工进行最终审批（双人复核）。")
EvidenceNotFound = _make(NotFound, "EVIDENCE_NOT_FOUND", "No such evidence item.",
                         "证据材料不存在。")


def by_code(code: str) -> type[OpenDepositError]:
    """The error class of a stable code (for problems reported as data by the ports)."""
    for value in globals().values():
        if isinstance(value, type) and issubclass(value, OpenDepositError) \
                and value.__module__ == __name__ and value.code == code:
            return value
    return OpenDepositError
