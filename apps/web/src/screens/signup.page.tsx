import { signupRequestSchema } from '@parley/contracts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.provider';
import { LanguageSwitcher } from '../i18n/language-switcher.component';
import { Link } from '../routing/router';
import { useSession } from '../session/session.provider';
import { FormAlert, FormField } from './form-field.component';
import { submitErrors, validateForm, type FormErrors } from './form-errors';

type SignupField = 'companyName' | 'slug' | 'adminName' | 'adminEmail' | 'password';
const SIGNUP_FIELDS: readonly SignupField[] = ['companyName', 'slug', 'adminName', 'adminEmail', 'password'];

/** The shortest password the contract accepts (`newPasswordSchema`). */
const PASSWORD_MIN = 10;

export function SignupPage(): ReactNode {
  const { t, locale } = useI18n();
  const { signup } = useSession();
  const [values, setValues] = useState<Record<SignupField, string>>({ companyName: '', slug: '', adminName: '', adminEmail: '', password: '' });
  const [errors, setErrors] = useState<FormErrors<SignupField>>({ fields: {}, form: [] });
  const [busy, setBusy] = useState(false);

  const set = (field: SignupField) => (value: string) => setValues((v) => ({ ...v, [field]: value }));

  const onSubmit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const invalid = validateForm(signupRequestSchema, values, t);
    setErrors(invalid);
    if (Object.keys(invalid.fields).length > 0 || invalid.form.length > 0) return;
    setBusy(true);
    try {
      // The company and its owner start in the language the form was filled in.
      await signup({ ...values, locale });
    } catch (error) {
      setErrors(submitErrors(error, SIGNUP_FIELDS, t));
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <header className="auth-page__top">
        <LanguageSwitcher />
      </header>
      <form className="auth-form" noValidate onSubmit={(event) => void onSubmit(event)} aria-labelledby="signup-title">
        <h1 id="signup-title">{t('signup.title')}</h1>
        <FormAlert messages={errors.form} />
        <FormField label={t('signup.companyName')} name="companyName" value={values.companyName} onChange={set('companyName')} autoComplete="organization" error={errors.fields.companyName} />
        <FormField label={t('signup.slug')} name="slug" value={values.slug} onChange={set('slug')} hint={t('signup.slugHint')} error={errors.fields.slug} />
        <FormField label={t('signup.adminName')} name="adminName" value={values.adminName} onChange={set('adminName')} autoComplete="name" error={errors.fields.adminName} />
        <FormField label={t('signup.adminEmail')} name="adminEmail" type="email" value={values.adminEmail} onChange={set('adminEmail')} autoComplete="email" error={errors.fields.adminEmail} />
        <FormField
          label={t('signup.password')}
          name="password"
          type="password"
          value={values.password}
          onChange={set('password')}
          autoComplete="new-password"
          hint={t('signup.passwordHint', { min: PASSWORD_MIN })}
          error={errors.fields.password}
        />
        <button type="submit" disabled={busy}>
          {busy ? t('signup.submitting') : t('signup.submit')}
        </button>
        <p className="auth-form__switch">
          {t('signup.haveAccount')} <Link to="/login">{t('signup.toLogin')}</Link>
        </p>
      </form>
    </main>
  );
}
