; Per-machine install: the integrator's settings live in one machine-wide folder, %ProgramData%\Integrator
; (electron/settingsLocation.ts). Every user of the machine may change them, so each admin who signs in to the
; server configures the same integrator; uninstalling leaves the settings, logs and data in place.
!macro customInstall
  ; In the all-users context $APPDATA is the common application data folder (C:\ProgramData).
  SetShellVarContext all
  CreateDirectory "$APPDATA\Integrator"
  ; *S-1-5-32-545 is BUILTIN\Users, whatever the language of Windows.
  nsExec::Exec 'icacls "$APPDATA\Integrator" /grant *S-1-5-32-545:(OI)(CI)M /T'
!macroend
