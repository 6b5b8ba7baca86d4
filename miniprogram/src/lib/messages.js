// Texts only the mini-program shows, in the shape of the H5 app's locales.js (which gives all
// the others: the two clients say the same things in the same words).
module.exports = {
  'zh-CN': {
    mp: {
      login: {
        heading: '微信登录',
        subheading: '使用微信登录，首次登录需绑定本行手机号',
        wechat: '微信一键登录',
        sandboxNote: '沙箱环境：将以本机的模拟微信用户登录',
        phoneTitle: '绑定手机号',
        phoneHint: '首次使用微信登录，请绑定您的手机号。已用该手机号登录过的客户，将自动关联原账户。',
        phoneButton: '微信授权手机号',
        sandboxPhone: '模拟微信手机号授权（沙箱）',
        sandboxPhoneHint: '沙箱无法调用微信的手机号授权，请输入手机号后点击此按钮模拟',
        phoneDenied: '您未授权手机号，可改用短信验证码。',
        useSms: '改用短信验证码',
        smsSubmit: '绑定并登录',
        linked: '已关联您原有的账户',
        restart: '重新微信登录',
      },
      common: {
        pullToRefresh: '下拉刷新',
        failedTitle: '操作未成功',
      },
      receipt: {
        opening: '正在打开回单PDF…',
        openFailed: '无法打开PDF，请稍后再试。',
      },
      verify: {
        choosePdf: '从聊天记录选择回单PDF',
      },
      open: {
        camera: '拍照',
        album: '从相册选择',
        retake: '重新拍摄',
        shoot: '开始采集',
        capturing: '请{action}',
        holdStill: '请正对屏幕，保持不动',
        framesDone: '已采集 {n}/{total}',
        cameraDenied: '无法使用摄像头，请在设置中允许本小程序使用摄像头。',
        locationShared: '已共享您的位置，用于核验是否为本地客户。',
        locationFailed: '未能获取位置。如需共享，请在设置中允许本小程序使用位置信息。',
      },
    },
  },
  'en-US': {
    mp: {
      login: {
        heading: 'Log in with WeChat',
        subheading: 'Use WeChat to log in; the first time, link your phone number',
        wechat: 'Log in with WeChat',
        sandboxNote: 'Sandbox: you log in as this device\'s simulated WeChat user',
        phoneTitle: 'Link your phone number',
        phoneHint: 'The first time you log in with WeChat, link your phone number. If you have logged in with this number before, your existing account is linked.',
        phoneButton: 'Use my WeChat phone number',
        sandboxPhone: 'Simulate the WeChat phone button (sandbox)',
        sandboxPhoneHint: 'The sandbox cannot call WeChat\'s phone button: type the number and tap this to simulate it',
        phoneDenied: 'You did not share your phone number; use an SMS code instead.',
        useSms: 'Use an SMS code instead',
        smsSubmit: 'Link and log in',
        linked: 'Your existing account is linked',
        restart: 'Log in with WeChat again',
      },
      common: {
        pullToRefresh: 'Pull to refresh',
        failedTitle: 'Not done',
      },
      receipt: {
        opening: 'Opening the receipt PDF…',
        openFailed: 'The PDF could not be opened. Please try again later.',
      },
      verify: {
        choosePdf: 'Choose the receipt PDF from a chat',
      },
      open: {
        camera: 'Take a photo',
        album: 'Choose from album',
        retake: 'Take again',
        shoot: 'Start',
        capturing: 'Please {action}',
        holdStill: 'Face the screen and hold still',
        framesDone: '{n}/{total} captured',
        cameraDenied: 'The camera is not available. Allow this mini-program to use the camera in Settings.',
        locationShared: 'Your location was shared to check that you are a local customer.',
        locationFailed: 'The location is not available. To share it, allow this mini-program to use your location in Settings.',
      },
    },
  },
}
