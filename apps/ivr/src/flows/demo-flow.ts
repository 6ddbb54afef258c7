import { flowDocumentSchema, weekdaySchema, type FlowDocument, type FlowDocumentInput, type Locale, type LocalizedPrompts } from '@parley/contracts';

const TEXTS: Record<Locale, Record<'welcome' | 'menu' | 'invalid' | 'noInput' | 'sales' | 'support' | 'closed' | 'busy' | 'thanks' | 'goodbye', string>> = {
  en: {
    welcome: 'Welcome to Parley, the demo contact center.',
    menu: 'For sales, press 1. For support, press 2.',
    invalid: 'Sorry, that is not one of the choices.',
    noInput: 'Sorry, we did not hear a choice.',
    sales: 'Please hold while we connect you to sales.',
    support: 'Please hold while we connect you to support.',
    closed: 'We are closed right now. Please leave a message after the tone, and press the pound key when you are done.',
    busy: 'All our agents are still busy. Please leave a message after the tone, and press the pound key when you are done. We will call you back.',
    thanks: 'Thank you for your message. Goodbye.',
    goodbye: 'We could not understand your choice. Please call again later. Goodbye.',
  },
  'zh-CN': {
    welcome: '欢迎致电 Parley 演示联络中心。',
    menu: '销售请按 1，技术支持请按 2。',
    invalid: '抱歉，没有这个选项。',
    noInput: '抱歉，我们没有听到您的选择。',
    sales: '正在为您转接销售部门，请稍候。',
    support: '正在为您转接技术支持，请稍候。',
    closed: '我们现在不在服务时间。请在提示音后留言，完成后请按井号键。',
    busy: '我们的坐席仍在忙碌中。请在提示音后留言，完成后请按井号键，我们会给您回电。',
    thanks: '感谢您的留言，再见。',
    goodbye: '抱歉，我们无法识别您的选择，请稍后再拨。再见。',
  },
};

/** The time zone of the demo tenant's business hours (its number is a US toll-free one). */
export const DEMO_TIME_ZONE = 'America/New_York';

/**
 * The demo tenant's flow behind `npm start`: a welcome prompt; a business-hours check that is open
 * around the clock until the tenant changes it (voicemail when closed); a menu, 1 for the `sales`
 * queue and 2 for `support` (a caller the queue gives back after its maximum wait leaves a message);
 * a wrong key or silence asks again twice, then a goodbye and hang-up.
 */
export function demoFlow(locale: Locale): FlowDocument {
  const t = TEXTS[locale];
  const say = (text: string): LocalizedPrompts => ({ [locale]: [{ kind: 'text', text, locale }] });
  const document: FlowDocumentInput = {
    schemaVersion: 1,
    name: 'Demo: sales and support',
    locales: [locale],
    defaultLocale: locale,
    startNodeId: 'welcome',
    nodes: [
      { id: 'welcome', type: 'play', label: 'Welcome', prompt: say(t.welcome), next: 'business-hours' },
      {
        id: 'business-hours',
        type: 'condition',
        label: 'Open?',
        test: { kind: 'business-hours', timeZone: DEMO_TIME_ZONE, weekly: weekdaySchema.options.map((day) => ({ day, open: '00:00', close: '24:00' })), holidays: [] },
        whenTrue: 'main-menu',
        whenFalse: 'closed',
      },
      {
        id: 'main-menu',
        type: 'menu',
        label: 'Sales or support',
        prompt: say(t.menu),
        options: { '1': 'sales', '2': 'support' },
        timeoutMs: 5000,
        maxRetries: 2,
        invalidPrompt: say(t.invalid),
        noInputPrompt: say(t.noInput),
        onInvalid: 'goodbye',
        onNoInput: 'goodbye',
      },
      { id: 'sales', type: 'enqueue', label: 'Sales queue', queue: 'sales', priority: 0, skills: [], attributes: { entry: 'ivr-menu-1' }, prompt: say(t.sales), onOverflow: { voicemail: 'busy', callback: 'busy' } },
      { id: 'support', type: 'enqueue', label: 'Support queue', queue: 'support', priority: 0, skills: [], attributes: { entry: 'ivr-menu-2' }, prompt: say(t.support), onOverflow: { voicemail: 'busy', callback: 'busy' } },
      { id: 'closed', type: 'voicemail', label: 'Closed: voicemail', prompt: say(t.closed), mailbox: 'general', maxSeconds: 120, finishKey: '#', thanksPrompt: say(t.thanks) },
      { id: 'busy', type: 'voicemail', label: 'Queue overflow: voicemail', prompt: say(t.busy), mailbox: 'general', maxSeconds: 120, finishKey: '#', thanksPrompt: say(t.thanks) },
      { id: 'goodbye', type: 'hangup', label: 'Goodbye', prompt: say(t.goodbye), reason: 'no valid menu choice' },
    ],
  };
  return flowDocumentSchema.parse(document);
}
