import { loginRequestSchema } from '@parley/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.provider';
import { LanguageSwitcher } from '../i18n/language-switcher.component';
import { Link } from '../routing/router';
import { useSession } from '../session/session.provider';
import { FormAlert, FormField } from './form-field.component';
import { submitErrors, validateForm, type FormErrors } from './form-errors';

type LoginField = 'tenant' | 'email' | 'password';
const LOGIN_FIELDS: readonly LoginField[] = ['tenant', 'email', 'password'];

export function LoginPage({ notice }: { notice?: string | null }): ReactNode {
  const { t } = useI18n();
  const { login } = useSession();
  const [values, setValues] = useState<Record<LoginField, string>>({ tenant: '', email: '', password: '' });
  const [errors, setErrors] = useState<FormErrors<LoginField>>({ fields: {}, form: [] });
  const [busy, setBusy] = useState(false);

  const set = (field: LoginField) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const request = { ...values, tenant: values.tenant.trim().toLowerCase() };
    const invalid = validateForm(loginRequestSchema, request, t);
    setErrors(invalid);
    if (Object.keys(invalid.fields).length > 0 || invalid.form.length > 0) return;
    setBusy(true);
    try {
      await login(request);
    } catch (error) {
      setErrors(submitErrors(error, LOGIN_FIELDS, t, { 401: t('login.invalidCredentials') }));
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <header className="auth-page__top">
        <LanguageSwitcher />
      </header>
      <form className="auth-form" noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="login-title">
        <h1 id="login-title">{t('login.title')}</h1>
        {notice ? <p className="notice">{notice}</p> : null}
        <FormAlert messages={errors.form} />
        <FormField label={t('login.tenant')} name="tenant" value={values.tenant} onChange={set('tenant')} autoComplete="organization" hint={t('login.tenantHint')} error={errors.fields.tenant} />
        <FormField label={t('login.email')} name="email" type="email" value={values.email} onChange={set('email')} autoComplete="username" error={errors.fields.email} />
        <FormField label={t('login.password')} name="password" type="password" value={values.password} onChange={set('password')} autoComplete="current-password" error={errors.fields.password} />
        <button type="submit" disabled={busy}>
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
        <p className="auth-form__switch">
          {t('login.noAccount')} <Link to="/signup">{t('login.toSignup')}</Link>
        </p>
      </form>
    </main>
  );
}
