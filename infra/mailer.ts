import nodemailer from 'nodemailer';
import type { Mailer } from '../activities/notify';

/** A mailer over SMTP_URL (smtp:// or smtps://), sending from EMAIL_FROM. Connects on first send. */
export function smtpMailer(options: { url: string; from: string; timeoutSeconds?: number }): Mailer {
  const timeout = (options.timeoutSeconds ?? 30) * 1000;
  const transport = nodemailer.createTransport(options.url, {
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  } as never);
  return {
    async send(message) {
      await transport.sendMail({ from: options.from, ...message });
    },
    close: () => transport.close(),
  };
}
